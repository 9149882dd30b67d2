import { IncomingMessage, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { mediaType, readBody } from './read-body.js';
import { ROUTES } from './routes.js';

const JsonTokenRequest = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));

/**
 * Auth0's /oauth/token accepts `application/json` bodies as well as forms (its docs and @auth0/ai's
 * Token Vault helper send JSON); oidc-provider parses only forms. A JSON token request is read here
 * and handed on as the same request with the equivalent form body. Anything else (not an object of flat
 * values, unparsable, too large) is answered `invalid_request` (413 when too large) and goes no further.
 * Returns the request to hand on, or undefined when it was answered here.
 */
export async function formFromJsonTokenRequest(req: IncomingMessage, res: ServerResponse): Promise<IncomingMessage | undefined> {
  if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://x').pathname !== ROUTES.token || mediaType(req) !== 'application/json') return req;
  const raw = await readBody(req);
  if (!raw) return refuse(res, 413, 'request body too large');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    return refuse(res, 400, 'failed to parse the request body');
  }
  const body = JsonTokenRequest.safeParse(parsed);
  if (!body.success) return refuse(res, 400, 'the request body must be a JSON object of string values');
  const form = Buffer.from(new URLSearchParams(body.data).toString(), 'utf8');
  const rewritten = new IncomingMessage(req.socket);
  // complete: a finished message (else IncomingMessage tears down the socket when it is destroyed).
  Object.assign(rewritten, { complete: true, method: req.method, url: req.url, httpVersion: req.httpVersion, httpVersionMajor: req.httpVersionMajor, httpVersionMinor: req.httpVersionMinor });
  rewritten.headers = { ...req.headers, 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(form.length) };
  delete rewritten.headers['transfer-encoding'];
  rewritten.push(form);
  rewritten.push(null);
  return rewritten;
}

function refuse(res: ServerResponse, status: number, description: string): undefined {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Cache-Control', 'no-store');
  res.end(JSON.stringify({ error: 'invalid_request', error_description: description }));
  return undefined;
}
