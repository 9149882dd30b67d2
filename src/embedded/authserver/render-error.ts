import type { Configuration } from 'oidc-provider';
import { metadataDocumentClientError } from './client-id-metadata-document.js';
import { errorPage } from './pages.js';
import { PAGE_CSP } from './security-headers.js';

/**
 * oidc-provider's HTML error page (e.g. an invalid redirect_uri at /authorize), replaced by a fixed text:
 * descriptions may echo request data, so only the error code (a fixed token) is shown, or one of the
 * fixed descriptions of a refused client metadata document.
 */
export const renderError: NonNullable<Configuration['renderError']> = (ctx, out, error) => {
  ctx.type = 'html';
  ctx.set('Content-Security-Policy', PAGE_CSP);
  ctx.set('X-Frame-Options', 'DENY');
  // A refused client metadata document: say why, in one of our fixed descriptions.
  const refused = metadataDocumentClientError(error, (ctx.oidc?.params as { client_id?: unknown } | undefined)?.client_id);
  if (refused) {
    ctx.status = 400;
    ctx.body = errorPage('Sign-in error', `The application could not be identified: ${refused.error_description}. Start again from your application.`, refused.error);
    return;
  }
  const code = /^[a-z_]{1,64}$/.test(String(out.error)) ? String(out.error) : 'server_error';
  ctx.body = errorPage('Sign-in error', `The request could not be completed (${code}). Start again from your application.`);
};
