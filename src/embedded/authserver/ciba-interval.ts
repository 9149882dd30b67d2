import type Provider from 'oidc-provider';
import { ROUTES } from './routes.js';

type Middleware = Parameters<Provider['use']>[0];

/**
 * oidc-provider answers a backchannel authentication request without `interval` (clients then poll
 * every 5 s); Auth0 sends one. Add the configured interval to successful responses.
 */
export function cibaIntervalMiddleware(intervalSeconds: number): Middleware {
  return async (ctx, next) => {
    await next();
    if (ctx.method === 'POST' && ctx.path === ROUTES.backchannel_authentication && ctx.status === 200 && isObject(ctx.body) && 'auth_req_id' in ctx.body) {
      ctx.body = { ...ctx.body, interval: intervalSeconds };
    }
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Buffer.isBuffer(v);
}
