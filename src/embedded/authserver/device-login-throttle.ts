import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoginThrottle } from './login-throttle.js';
import { errorPage } from './pages.js';
import { setPageSecurityHeaders } from './security-headers.js';

const MESSAGE = 'Too many failed sign-in attempts from this address. Try again later.';

/**
 * The device page's password form shares the login page's per-address budget of failed logins:
 * a refused device login (401) counts, and past the limit the form is answered 429
 * `too_many_attempts` before it is read. Returns true when it answered.
 */
export function deviceLoginThrottle(throttle: LoginThrottle): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/device/login') return false;
    const address = req.socket.remoteAddress ?? 'unknown';
    const wait = throttle.blockedForAddress(address);
    if (wait === 0) {
      res.once('finish', () => {
        if (res.statusCode === 401) throttle.failedFromAddress(address);
      });
      return false;
    }
    setPageSecurityHeaders(res);
    res.statusCode = 429;
    res.setHeader('Retry-After', String(Math.ceil(wait / 1000)));
    if (/\bapplication\/json\b/.test(req.headers.accept ?? '')) {
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.end(JSON.stringify({ error: 'too_many_attempts', error_description: MESSAGE }));
    } else {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(errorPage('Sign-in blocked', MESSAGE, 'too_many_attempts'));
    }
    return true;
  };
}
