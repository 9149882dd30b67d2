import type Provider from 'oidc-provider';
import { ROUTES } from './routes.js';

/**
 * Some MCP clients send no `scope`; the request would then end without any resource scope. Fill in the
 * resource's default scopes for authorization requests that omit it (query form, as browsers send them).
 */
type Middleware = Parameters<Provider['use']>[0];

export function defaultScopeMiddleware(defaultScopes: readonly string[]): Middleware {
  const scope = defaultScopes.join(' ');
  return async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === ROUTES.authorization && !ctx.query.scope && scope) {
      ctx.query = { ...ctx.query, scope };
    }
    await next();
  };
}
