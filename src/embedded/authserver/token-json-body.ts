import type Provider from 'oidc-provider';
import { z } from 'zod';
import { ROUTES } from './routes.js';

type Middleware = Parameters<Provider['use']>[0];

const LIMIT_BYTES = 16 * 1024;
const JsonTokenRequest = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));

/**
 * Auth0's /oauth/token accepts `application/json` bodies as well as forms (its docs and @auth0/ai's
 * Token Vault helper send JSON). oidc-provider parses only forms: read the JSON object of flat values
 * here and hand it on as a parsed form body. Anything else (not an object, nested values, too large) is
 * `invalid_request`, and nothing is processed.
 */
export function tokenJsonBodyMiddleware(): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'POST' || ctx.path !== ROUTES.token || !ctx.is('application/json')) return next();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of ctx.req) {
      size += (chunk as Buffer).length;
      if (size > LIMIT_BYTES) return refuse(ctx, 413, 'request body too large');
      chunks.push(chunk as Buffer);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return refuse(ctx, 400, 'failed to parse the request body');
    }
    const body = JsonTokenRequest.safeParse(parsed);
    if (!body.success) return refuse(ctx, 400, 'the request body must be a JSON object of string values');
    // oidc-provider reads an already parsed body from req.body when the stream has been consumed.
    Object.assign(ctx.req, { body: body.data });
    ctx.req.headers['content-type'] = 'application/x-www-form-urlencoded';
    return next();
  };
}

function refuse(ctx: Parameters<Middleware>[0], status: number, description: string): void {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { error: 'invalid_request', error_description: description };
}
