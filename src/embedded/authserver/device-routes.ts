import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../log.js';
import type { DemoUser } from '../seed/users.js';
import { verifyPassword } from './accounts.js';
import type { DeviceApprovals } from './device-approvals.js';
import { refuseTooManyAttempts, TOO_MANY_FOR_USER } from './device-login-throttle.js';
import { deviceListPage, deviceLoginPage } from './device-pages.js';
import {
  issueSession,
  isValidLoginCsrf,
  isValidSessionCsrf,
  LOGIN_COOKIE,
  loginCsrf,
  newLoginNonce,
  readSession,
  SESSION_COOKIE,
  sessionCsrf,
  setCookie,
  cookie,
} from './device-session.js';
import { FormBodyError, readFormBody } from './form-body.js';
import type { LoginThrottle } from './login-throttle.js';
import { errorPage } from './pages.js';
import { setPageSecurityHeaders } from './security-headers.js';
import { clientAddress } from './throttle.js';

export interface DeviceDeps {
  readonly issuer: string;
  readonly approvals: DeviceApprovals;
  readonly users: readonly DemoUser[];
  readonly key: string;
  readonly logger: Logger;
  /** The login page's throttle: failed device logins count per user and per address there too. */
  readonly loginThrottle: LoginThrottle;
}

/**
 * /device: the user's trusted device for CIBA approvals (what Guardian push is on Auth0). HTML for
 * people; the same routes answer JSON when asked (`Accept: application/json`), which the
 * `gatehouse approvals` CLI uses after signing in through the same form. Returns false for other paths.
 */
export async function handleDevice(deps: DeviceDeps, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname !== '/device' && !url.pathname.startsWith('/device/')) return false;
  setPageSecurityHeaders(res);
  const route = `${req.method} ${url.pathname}`;
  try {
    if (req.method === 'POST' && !sameOrigin(req, deps.issuer)) {
      send(res, 403, errorPage('Request refused', 'This form was sent from another site.'));
      return true;
    }
    switch (route) {
      case 'GET /device':
        await showRequests(deps, req, res, url.searchParams.get('done') ?? undefined);
        break;
      case 'GET /device/login':
        showLogin(deps, req, res);
        break;
      case 'POST /device/login':
        await submitLogin(deps, req, res);
        break;
      case 'POST /device/decide':
        await submitDecision(deps, req, res);
        break;
      case 'POST /device/logout':
        res.setHeader('Set-Cookie', setCookie(SESSION_COOKIE, '', secure(deps), 0));
        redirect(res, '/device/login');
        break;
      default:
        send(res, 404, errorPage('Not found', 'There is nothing here.'));
    }
  } catch (err) {
    if (res.headersSent) return true;
    if (err instanceof FormBodyError) send(res, 400, errorPage('Bad request', 'The form could not be read.'));
    else {
      deps.logger.error({ err: err instanceof Error ? err.name : 'Error' }, 'device page failed');
      send(res, 500, errorPage('Something went wrong', 'Try again.'));
    }
  }
  return true;
}

async function showRequests(deps: DeviceDeps, req: IncomingMessage, res: ServerResponse, done?: string): Promise<void> {
  const session = readSession(deps.key, req);
  if (!session) {
    if (wantsJson(req)) return json(res, 401, { error: 'login_required' });
    return redirect(res, '/device/login');
  }
  const requests = await deps.approvals.list(session.sub);
  const csrf = sessionCsrf(deps.key, session);
  if (wantsJson(req)) return json(res, 200, { user: session.sub, csrf, requests });
  const name = deps.users.find((u) => u.id === session.sub)?.name ?? session.sub;
  const known = done && ['approved', 'denied', 'not_found'].includes(done) ? done : undefined;
  send(res, 200, deviceListPage({ userName: name, csrf, requests, done: known }));
}

function showLogin(deps: DeviceDeps, req: IncomingMessage, res: ServerResponse, failed?: { username: string }): void {
  const nonce = cookie(req, LOGIN_COOKIE) ?? newLoginNonce();
  res.setHeader('Set-Cookie', setCookie(LOGIN_COOKIE, nonce, secure(deps), 30 * 60));
  send(res, failed ? 401 : 200, deviceLoginPage({ csrf: loginCsrf(deps.key, nonce), username: failed?.username, failed: !!failed }));
}

async function submitLogin(deps: DeviceDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const form = await readFormBody(req);
  if (!isValidLoginCsrf(deps.key, req, form.get('csrf'))) return send(res, 403, errorPage('Request refused', 'This form is no longer valid. Open /device again.'));
  const username = (form.get('username') ?? '').trim();
  const address = clientAddress(req);
  const wait = deps.loginThrottle.blockedFor(username, address);
  if (wait > 0) {
    // As on the login page: too_many_attempts whatever the password, until the window has passed.
    deps.logger.info({ event: 'device_login_blocked' }, 'device login blocked: too_many_attempts');
    return refuseTooManyAttempts(req, res, wait, TOO_MANY_FOR_USER);
  }
  const user = verifyPassword(deps.users, username, form.get('password') ?? '');
  if (!user) {
    deps.loginThrottle.failed(username, address);
    deps.logger.info({ event: 'device_login_failed' }, 'device login failed');
    return showLogin(deps, req, res, { username });
  }
  deps.loginThrottle.succeeded(username);
  deps.logger.info({ event: 'device_login', sub: user.id }, 'device login');
  res.setHeader('Set-Cookie', [setCookie(SESSION_COOKIE, issueSession(deps.key, user.id), secure(deps)), setCookie(LOGIN_COOKIE, '', secure(deps), 0)]);
  redirect(res, '/device');
}

async function submitDecision(deps: DeviceDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const session = readSession(deps.key, req);
  const form = await readFormBody(req);
  if (!session) return wantsJson(req) ? json(res, 401, { error: 'login_required' }) : redirect(res, '/device/login');
  if (!isValidSessionCsrf(deps.key, session, form.get('csrf'))) {
    return wantsJson(req) ? json(res, 403, { error: 'invalid_csrf' }) : send(res, 403, errorPage('Request refused', 'This form is no longer valid. Open /device again.'));
  }
  const decision = form.get('decision');
  const id = form.get('id') ?? '';
  if (decision !== 'approve' && decision !== 'deny') return wantsJson(req) ? json(res, 400, { error: 'invalid_decision' }) : redirect(res, '/device');
  const result = await deps.approvals.decide(session.sub, id, decision);
  deps.logger.info({ event: 'device_decision', sub: session.sub, result }, 'device decision');
  if (wantsJson(req)) return json(res, result === 'not_found' ? 404 : 200, { id, result });
  redirect(res, `/device?done=${result}`);
}

/**
 * A POST from another site's page is refused by its Origin. Our pages set Referrer-Policy no-referrer,
 * under which browsers send `Origin: null` for their own forms, so null passes here: the SameSite=Strict
 * cookies and the CSRF tokens bound to them are what stop a forged form.
 */
function sameOrigin(req: IncomingMessage, issuer: string): boolean {
  const origin = req.headers.origin;
  return origin === undefined || origin === 'null' || origin === new URL(issuer).origin;
}

const wantsJson = (req: IncomingMessage) => /\bapplication\/json\b/.test(req.headers.accept ?? '');
const secure = (deps: DeviceDeps) => deps.issuer.startsWith('https:');

function redirect(res: ServerResponse, location: string): void {
  res.statusCode = 303;
  res.setHeader('Location', location);
  res.end();
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

function send(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.end(body);
}
