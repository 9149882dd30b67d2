import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import { isSpecialUseAddress } from './special-use-address.js';

/** The draft's suggested bound on a client metadata document (5 KB). */
export const CIMD_MAX_BYTES = 5 * 1024;
export const CIMD_FETCH_TIMEOUT_MS = 2500;

/** Why a fetch of a client metadata document was refused; each has a fixed description (client-id-metadata-document.ts). */
export type CimdFetchRefusal = 'not_https' | 'special_use_address' | 'timeout' | 'too_large' | 'redirect' | 'unexpected_status' | 'not_json' | 'unreachable';

export class CimdFetchRefused extends Error {
  override readonly name = 'CimdFetchRefused';
  constructor(
    readonly reason: CimdFetchRefusal,
    options?: ErrorOptions,
  ) {
    super(`client_id metadata document fetch refused: ${reason}`, options);
  }
}

export interface CimdFetchOptions {
  /** Test only (GATEHOUSE_EMBEDDED_CIMD_ALLOW_PRIVATE): let the fetch reach loopback and private addresses. */
  readonly allowSpecialUseAddresses?: boolean;
  /** Test only (GATEHOUSE_EMBEDDED_CIMD_CA_FILE): PEM trust anchors added to Node's root store, never replacing it. */
  readonly extraCa?: string;
  /** Default CIMD_FETCH_TIMEOUT_MS: the whole fetch (DNS, connect, TLS, headers, body). */
  readonly timeoutMs?: number;
  /** Name resolution (default the system resolver); every address it returns is checked. */
  readonly resolve?: (hostname: string) => Promise<readonly LookupAddress[]>;
}

type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

const systemResolve = (hostname: string) =>
  new Promise<readonly LookupAddress[]>((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

const JSON_MEDIA_TYPE = /^application\/(?:json|[a-z0-9!#$&^_.+-]+\+json)$/;

/**
 * The fetch oidc-provider uses for client metadata documents (its `fetch` hook), guarding against
 * server-side request forgery: https only; the host's resolved addresses (every one, and the address
 * actually connected to) must not be special-use (special-use-address.ts); one deadline for the whole
 * exchange; redirects are answered as a refusal, never followed (the draft: MUST NOT follow); only a 200
 * with a JSON media type; at most CIMD_MAX_BYTES read. No connection reuse, no proxy. Cache headers are
 * passed on for oidc-provider's bounded cache, with `no-store`/`no-cache` turned into `max-age=0`.
 */
export function createCimdFetch(opts: CimdFetchOptions = {}): FetchLike {
  const allowSpecial = opts.allowSpecialUseAddresses === true;
  const resolveName = opts.resolve ?? systemResolve;
  const timeoutMs = opts.timeoutMs ?? CIMD_FETCH_TIMEOUT_MS;
  const ca = opts.extraCa ? [...rootCertificates, opts.extraCa] : undefined;

  const lookup: LookupFunction = (hostname, options, callback) => {
    resolveName(hostname).then(
      (addresses) => {
        if (addresses.length === 0) return callback(Object.assign(new Error('no address'), { code: 'ENOTFOUND' }), '', 4);
        if (!allowSpecial && addresses.some((a) => isSpecialUseAddress(a.address))) return callback(new CimdFetchRefused('special_use_address'), '', 4);
        if (options.all) return (callback as unknown as (e: null, a: readonly LookupAddress[]) => void)(null, addresses);
        const first = addresses[0]!;
        callback(null, first.address, first.family);
      },
      (err: unknown) => callback(err as NodeJS.ErrnoException, '', 4),
    );
  };

  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.protocol !== 'https:') throw new CimdFetchRefused('not_https');
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal) && !allowSpecial && isSpecialUseAddress(literal)) throw new CimdFetchRefused('special_use_address');
    const body = await new Promise<{ res: IncomingMessage; bytes: Buffer }>((resolve, reject) => {
      const req = request(url, {
        method: 'GET',
        headers: { accept: 'application/json', 'user-agent': 'gatehouse-authserver' },
        agent: false,
        lookup,
        ...(ca ? { ca } : {}),
      });
      let settled = false;
      const signal = init?.signal;
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        reject(err instanceof CimdFetchRefused ? err : new CimdFetchRefused('unreachable', { cause: err }));
        req.destroy();
      };
      const onAbort = () => fail(new CimdFetchRefused('timeout'));
      const timer = setTimeout(onAbort, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('socket', (socket) => {
        socket.once('connect', () => {
          if (!allowSpecial && isSpecialUseAddress(socket.remoteAddress ?? '')) fail(new CimdFetchRefused('special_use_address'));
        });
      });
      req.on('error', fail);
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400) return fail(new CimdFetchRefused('redirect'));
        if (status !== 200) return fail(new CimdFetchRefused('unexpected_status'));
        const mediaType = (res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        if (!JSON_MEDIA_TYPE.test(mediaType)) return fail(new CimdFetchRefused('not_json'));
        if (Number(res.headers['content-length'] ?? 0) > CIMD_MAX_BYTES) return fail(new CimdFetchRefused('too_large'));
        const chunks: Buffer[] = [];
        let received = 0;
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > CIMD_MAX_BYTES) return fail(new CimdFetchRefused('too_large'));
          chunks.push(chunk);
        });
        res.on('error', (err) => fail(err));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve({ res, bytes: Buffer.concat(chunks) });
        });
      });
      req.end();
    });
    return new Response(body.bytes, { status: 200, headers: cacheHeaders(body.res) });
  };
}

/** The headers oidc-provider reads: the media type, and the cache lifetime (no-store and no-cache mean none). */
function cacheHeaders(res: IncomingMessage): Headers {
  const headers = new Headers({ 'content-type': String(res.headers['content-type']) });
  const cacheControl = res.headers['cache-control'];
  if (cacheControl && /(?:^|,)\s*(?:no-store|no-cache)\b/i.test(cacheControl)) {
    headers.set('cache-control', 'max-age=0');
    return headers;
  }
  if (cacheControl) headers.set('cache-control', cacheControl);
  if (res.headers.expires) headers.set('expires', res.headers.expires);
  return headers;
}
