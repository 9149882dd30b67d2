import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoginThrottle } from './login-throttle.js';
import { errorPage } from './pages.js';
import { setPageSecurityHeaders } from './security-headers.js';
import { clientAddress } from './throttle.js';

export const TOO_MANY_FROM_ADDRESS = 'Too many failed sign-in attempts from this address. Try again later.';
export const TOO_MANY_FOR_USER = 'Too many failed sign-in attempts for this user. Try again later.';

/**
 * The device page's password form shares the login page's budget of failed logins. This layer
 * answers a POST /device/login from an address past its budget with 429 `too_many_attempts` before
 * the form is read; the per-user count, which needs the username, is kept by the form's handler
 * (device-routes.ts). The address is the socket's peer: no forwarding header is trusted. Returns true
 * when it answered.
 */
export function deviceLoginThrottle(throttle: LoginThrottle): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/device/login') return false;
    const wait = throttle.blockedForAddress(clientAddress(req));
    if (wait === 0) return false;
    refuseTooManyAttempts(req, res, wait, TOO_MANY_FROM_ADDRESS);
    return true;
  };
}

/** 429 `too_many_attempts` with Retry-After, as JSON when asked for, else as a page. */
export function refuseTooManyAttempts(req: IncomingMessage, res: ServerResponse, waitMs: number, message: string): void {
  setPageSecurityHeaders(res);
  res.statusCode = 429;
  res.setHeader('Retry-After', String(Math.ceil(waitMs / 1000)));
  if (/\bapplication\/json\b/.test(req.headers.accept ?? '')) {
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(JSON.stringify({ error: 'too_many_attempts', error_description: message }));
  } else {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(errorPage('Sign-in blocked', message, 'too_many_attempts'));
  }
}
