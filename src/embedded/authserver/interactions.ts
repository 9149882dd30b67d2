import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import type { Logger } from '../../log.js';
import type { DemoUser } from '../seed/users.js';
import { verifyPassword } from './accounts.js';
import { csrfTokenFor, isValidCsrfToken } from './csrf.js';
import { FormBodyError, readFormBody } from './form-body.js';
import type { LoginThrottle } from './login-throttle.js';
import { consentPage, errorPage, loginPage, type ClientDisplay, type RedirectTarget } from './pages.js';
import { describeScopes } from './scope-descriptions.js';
import { isMetadataDocumentClientId } from './client-id-metadata-document.js';
import { setPageSecurityHeaders } from './security-headers.js';
import { clientAddress } from './throttle.js';

export interface InteractionDeps {
  readonly provider: Provider;
  readonly users: readonly DemoUser[];
  readonly csrfKey: string;
  readonly logger: Logger;
  /** Failed-login counting for the password form (too_many_attempts). */
  readonly loginThrottle: LoginThrottle;
  /** Clients the operator configured (first-party); every other client registered itself. */
  readonly configuredClients: ReadonlySet<string>;
}

type Route = (deps: InteractionDeps, uid: string, req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Our login and consent pages at /interaction/:uid (oidc-provider's devInteractions are disabled). */
const ROUTES: Record<string, Route | undefined> = {
  'GET ': showPrompt,
  'POST login': submitLogin,
  'POST consent': submitConsent,
};

const PATH = /^\/interaction\/([A-Za-z0-9_-]{1,64})(?:\/(login|consent))?$/;

/** Handles the request if it is an interaction route; returns false to let the provider handle it. */
export async function handleInteraction(deps: InteractionDeps, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (!path.startsWith('/interaction/')) return false;
  setPageSecurityHeaders(res);
  const match = PATH.exec(path);
  const route = match ? ROUTES[`${req.method} ${match[2] ?? ''}`] : undefined;
  if (!match || !route) {
    sendPage(res, 404, errorPage('Not found', 'There is nothing here.'));
    return true;
  }
  try {
    await route(deps, match[1]!, req, res);
  } catch (err) {
    if (res.headersSent) return true;
    const name = err instanceof Error ? err.name : 'Error';
    if (err instanceof FormBodyError && err.message === 'body too large') {
      sendPage(res, 413, errorPage('Request too large', 'The form could not be read. Start again from your application.'));
    } else if (name === 'SessionNotFound' || err instanceof FormBodyError) {
      sendPage(res, 400, errorPage('Sign-in expired', 'This sign-in request has expired or is not valid. Start again from your application.'));
    } else {
      deps.logger.error({ err: name }, 'authserver interaction failed');
      sendPage(res, 500, errorPage('Something went wrong', 'The sign-in could not be completed. Start again from your application.'));
    }
  }
  return true;
}

async function showPrompt(deps: InteractionDeps, uid: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await deps.provider.interactionDetails(req, res);
  if (details.uid !== uid) throw Object.assign(new Error('interaction mismatch'), { name: 'SessionNotFound' });
  const client = await clientOf(deps, details.params.client_id);
  const csrf = csrfTokenFor(deps.csrfKey, uid);
  if (details.prompt.name === 'login') {
    sendPage(res, 200, loginPage({ uid, csrf, client }));
  } else if (details.prompt.name === 'consent') {
    const user = deps.users.find((u) => u.id === details.session?.accountId);
    const redirect = redirectTargetOf(details.params.redirect_uri);
    if (!redirect) throw Object.assign(new Error('no redirect_uri'), { name: 'SessionNotFound' });
    sendPage(res, 200, consentPage({ uid, csrf, client, redirect, userName: user?.name ?? 'you', scopes: describeScopes(requestedScopes(details.prompt.details)) }));
  } else {
    sendPage(res, 400, errorPage('Cannot continue', 'This sign-in step is not supported. Start again from your application.'));
  }
}

async function submitLogin(deps: InteractionDeps, uid: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await deps.provider.interactionDetails(req, res);
  const form = await readFormBody(req);
  if (details.uid !== uid || details.prompt.name !== 'login' || !isValidCsrfToken(deps.csrfKey, uid, form.get('csrf'))) {
    sendPage(res, 403, errorPage('Request refused', 'This form is no longer valid. Start again from your application.'));
    return;
  }
  const username = (form.get('username') ?? '').trim();
  const address = clientAddress(req);
  const wait = deps.loginThrottle.blockedFor(username, address);
  if (wait > 0) {
    // Auth0's brute-force protection: too_many_attempts, whatever the password.
    deps.logger.info({ event: 'login_blocked' }, 'authserver login blocked: too_many_attempts');
    const client = await clientOf(deps, details.params.client_id);
    res.setHeader('Retry-After', String(Math.ceil(wait / 1000)));
    sendPage(res, 429, loginPage({ uid, csrf: csrfTokenFor(deps.csrfKey, uid), client, username, blockedMinutes: Math.ceil(wait / 60_000) }));
    return;
  }
  const user = verifyPassword(deps.users, username, form.get('password') ?? '');
  if (!user) {
    deps.loginThrottle.failed(username, address);
    deps.logger.info({ event: 'login_failed' }, 'authserver login failed');
    const client = await clientOf(deps, details.params.client_id);
    sendPage(res, 200, loginPage({ uid, csrf: csrfTokenFor(deps.csrfKey, uid), client, username, failed: true }));
    return;
  }
  deps.loginThrottle.succeeded(username);
  deps.logger.info({ event: 'login', sub: user.id }, 'authserver login');
  const result: InteractionResults = { login: { accountId: user.id, amr: ['pwd'] } };
  await deps.provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
}

async function submitConsent(deps: InteractionDeps, uid: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await deps.provider.interactionDetails(req, res);
  const form = await readFormBody(req);
  if (details.uid !== uid || details.prompt.name !== 'consent' || !isValidCsrfToken(deps.csrfKey, uid, form.get('csrf'))) {
    sendPage(res, 403, errorPage('Request refused', 'This form is no longer valid. Start again from your application.'));
    return;
  }
  if (form.get('decision') !== 'approve') {
    const denied: InteractionResults = { error: 'access_denied', error_description: 'End-user denied the request' };
    await deps.provider.interactionFinished(req, res, denied, { mergeWithLastSubmission: false });
    return;
  }
  const { Grant } = deps.provider;
  const accountId = details.session!.accountId;
  const clientId = String(details.params.client_id);
  const grant = (details.grantId ? await Grant.find(details.grantId) : undefined) ?? new Grant({ accountId, clientId });
  const prompt = details.prompt.details as PromptDetails;
  if (prompt.missingOIDCScope?.length) grant.addOIDCScope(prompt.missingOIDCScope.join(' '));
  if (prompt.missingOIDCClaims?.length) grant.addOIDCClaims(prompt.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(prompt.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '));
  }
  const grantId = await grant.save();
  deps.logger.info({ event: 'consent', sub: accountId, client_id: clientId }, 'authserver consent');
  await deps.provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

interface PromptDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

function requestedScopes(details: unknown): string[] {
  const d = details as PromptDetails;
  return [...(d.missingOIDCScope ?? []), ...Object.values(d.missingResourceScopes ?? {}).flat()];
}

async function clientOf(deps: InteractionDeps, clientId: unknown): Promise<ClientDisplay> {
  const client = typeof clientId === 'string' ? await deps.provider.Client.find(clientId) : undefined;
  const name = client?.clientName ?? (typeof clientId === 'string' ? clientId : 'an application');
  const thirdParty = !(typeof clientId === 'string' && deps.configuredClients.has(clientId));
  return isMetadataDocumentClientId(clientId) ? { name, thirdParty, metadataHost: new URL(clientId).host } : { name, thirdParty };
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** The host that receives the code: a web host, a loopback port, or a native app's scheme. */
export function redirectTargetOf(redirectUri: unknown): RedirectTarget | undefined {
  if (typeof redirectUri !== 'string') return undefined;
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    return undefined;
  }
  if (url.protocol === 'https:' || url.protocol === 'http:') return { host: url.host, local: LOOPBACK.has(url.hostname) };
  return { host: url.protocol, local: true };
}

function sendPage(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.end(body);
}
