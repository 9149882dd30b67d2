import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkHostOrigin, HOST_ORIGIN_MESSAGES } from '../../http/host-origin.js';

/** Every body this server reads (forms, JSON, OAuth requests) fits well below this. */
// Room for a 5 KB Guardian authorization_details, form-encoded (up to ~3x), plus the other parameters.
export const AUTHSERVER_BODY_LIMIT_BYTES = 64 * 1024;
export const BODY_TOO_LARGE_MESSAGE = 'Payload Too Large: the request body exceeds the limit of this server.';

export interface PortGuardOptions {
  /** Host header values naming this server (see hostNamesFor). */
  readonly allowedHosts: ReadonlySet<string>;
  /** Browser origins allowed besides loopback pages (the issuer's own origin, configured ones). */
  readonly allowedOrigins: ReadonlySet<string>;
}

/**
 * The authorization server port's first check, before any route: the MCP port's Host/Origin rules
 * (DNS rebinding, foreign pages) answered 403 with the shared fixed text, and bodies declared larger
 * than the limit answered 413 without reading them. Bodies sent without a length are still capped by
 * each reader. Returns true when it answered.
 *
 * `Origin: null` is let through to the login, consent and device forms only: our pages set
 * Referrer-Policy no-referrer, under which browsers send `null` for their own form posts; those forms
 * carry CSRF tokens bound to SameSite cookies.
 */
export function createPortGuard(opts: PortGuardOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const origin = req.headers.origin === 'null' && isFormPath(path) ? undefined : req.headers.origin;
    const verdict = checkHostOrigin({ host: req.headers.host, origin }, opts.allowedHosts, opts.allowedOrigins);
    if (verdict !== 'ok') {
      sendText(res, 403, HOST_ORIGIN_MESSAGES[verdict]);
      return true;
    }
    const length = Number(req.headers['content-length'] ?? 0);
    if (!Number.isSafeInteger(length) || length > AUTHSERVER_BODY_LIMIT_BYTES) {
      res.setHeader('Connection', 'close');
      sendText(res, 413, BODY_TOO_LARGE_MESSAGE);
      return true;
    }
    return false;
  };
}

const isFormPath = (path: string) => path.startsWith('/interaction/') || path === '/device' || path.startsWith('/device/');

function sendText(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(text);
}
