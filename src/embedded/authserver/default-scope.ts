import type Provider from 'oidc-provider';
import { ROUTES } from './routes.js';

type Middleware = Parameters<Provider['use']>[0];

/**
 * Authorization requests (query form, as browsers send them):
 * - Some MCP clients send no `scope`; the request would then end without any resource scope. Fill in
 *   the resource's default scopes.
 * - Auth0 grants `offline_access` (a refresh token) without `prompt=consent`; oidc-provider drops it
 *   unless consent is prompted. Ask for consent then, which our consent page shows anyway.
 */
export function defaultScopeMiddleware(defaultScopes: readonly string[]): Middleware {
  const scope = defaultScopes.join(' ');
  return async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === ROUTES.authorization) {
      if (!ctx.query.scope && scope) ctx.query = { ...ctx.query, scope };
      const requested = typeof ctx.query.scope === 'string' ? ctx.query.scope.split(' ') : [];
      if (requested.includes('offline_access') && ctx.query.prompt === undefined) ctx.query = { ...ctx.query, prompt: 'consent' };
    }
    await next();
  };
}
