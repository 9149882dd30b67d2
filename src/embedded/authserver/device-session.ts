import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * The trusted-device page's own sign-in: a signed, HttpOnly, SameSite=Strict cookie holding the user id
 * and an expiry (no server state), and CSRF tokens bound to it. Before sign-in, a random nonce cookie
 * binds the login form's CSRF token.
 */
export const SESSION_COOKIE = 'gh_device';
export const LOGIN_COOKIE = 'gh_device_login';
const SESSION_TTL_SECONDS = 8 * 60 * 60;

export interface DeviceSession {
  readonly sub: string;
  /** The cookie value: CSRF tokens are bound to it. */
  readonly value: string;
}

export function issueSession(key: string, sub: string, now = Date.now()): string {
  const body = Buffer.from(JSON.stringify({ sub, exp: Math.floor(now / 1000) + SESSION_TTL_SECONDS })).toString('base64url');
  return `${body}.${mac(key, 'device-session', body)}`;
}

export function readSession(key: string, req: IncomingMessage, now = Date.now()): DeviceSession | undefined {
  const value = cookie(req, SESSION_COOKIE);
  const [body, sig, ...rest] = value?.split('.') ?? [];
  if (!body || !sig || rest.length || !equal(sig, mac(key, 'device-session', body))) return undefined;
  try {
    const { sub, exp } = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { sub?: unknown; exp?: unknown };
    if (typeof sub !== 'string' || typeof exp !== 'number' || exp * 1000 <= now) return undefined;
    return { sub, value: value! };
  } catch {
    return undefined;
  }
}

export const sessionCsrf = (key: string, session: DeviceSession) => mac(key, 'device-csrf', session.value);
export const isValidSessionCsrf = (key: string, session: DeviceSession, token: unknown) => typeof token === 'string' && equal(token, sessionCsrf(key, session));

export const newLoginNonce = () => randomBytes(18).toString('base64url');
export const loginCsrf = (key: string, nonce: string) => mac(key, 'device-login', nonce);
export function isValidLoginCsrf(key: string, req: IncomingMessage, token: unknown): boolean {
  const nonce = cookie(req, LOGIN_COOKIE);
  return typeof token === 'string' && !!nonce && equal(token, loginCsrf(key, nonce));
}

export function setCookie(name: string, value: string, secure: boolean, maxAgeSeconds = SESSION_TTL_SECONDS): string {
  return `${name}=${value}; Path=/device; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

export function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function mac(key: string, purpose: string, value: string): string {
  return createHmac('sha256', key).update(`${purpose}:${value}`).digest('base64url');
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
