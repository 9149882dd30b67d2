import type { Configuration } from 'oidc-provider';
import { errorPage } from './pages.js';
import { PAGE_CSP } from './security-headers.js';

/**
 * oidc-provider's HTML error page (e.g. an invalid redirect_uri at /authorize), replaced by a fixed text:
 * descriptions may echo request data, so only the error code (a fixed token) is shown.
 */
export const renderError: NonNullable<Configuration['renderError']> = (ctx, out) => {
  ctx.type = 'html';
  ctx.set('Content-Security-Policy', PAGE_CSP);
  ctx.set('X-Frame-Options', 'DENY');
  const code = /^[a-z_]{1,64}$/.test(String(out.error)) ? String(out.error) : 'server_error';
  ctx.body = errorPage('Sign-in error', `The request could not be completed (${code}). Start again from your application.`);
};
