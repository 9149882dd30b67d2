import type Provider from 'oidc-provider';
import { ROUTES } from './routes.js';

type Middleware = Parameters<Provider['use']>[0];

/** oidc-provider's answers when a client uses a grant type it does not have (token endpoint, /bc-authorize). */
const NOT_ALLOWED = /^(requested grant type|[\w:.-]+) is not allowed for this client$/;

/**
 * A grant type that is not enabled for the client: oidc-provider answers 400 `invalid_request`, Auth0
 * answers 403 `unauthorized_client` ("Grant type '<type>' not allowed for the client."). Say it as Auth0
 * does, at the token endpoint and at /bc-authorize (CIBA is a grant enabled per application).
 */
export function grantTypePolicyMiddleware(): Middleware {
  return async (ctx, next) => {
    await next();
    if (ctx.method !== 'POST' || (ctx.path !== ROUTES.token && ctx.path !== ROUTES.backchannel_authentication)) return;
    const body = ctx.body as { error?: unknown; error_description?: unknown } | undefined;
    if (body?.error !== 'invalid_request' || typeof body.error_description !== 'string' || !NOT_ALLOWED.test(body.error_description)) return;
    const grantType = ctx.path === ROUTES.token ? String((ctx.oidc?.params as { grant_type?: unknown } | undefined)?.grant_type ?? '') : 'urn:openid:params:grant-type:ciba';
    ctx.status = 403;
    ctx.body = { error: 'unauthorized_client', error_description: `Grant type '${grantType}' not allowed for the client.` };
  };
}
