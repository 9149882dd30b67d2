import type Provider from 'oidc-provider';
import { ROUTES } from './routes.js';

type Middleware = Parameters<Provider['use']>[0];

const MAX_TRACKED = 10_000;
/** Timer jitter allowance: a poll this much early still counts as on time. */
const TOLERANCE_MS = 250;

/**
 * CIBA slow_down (OpenID CIBA Core, section 11): a client that polls a pending request faster than the
 * advertised interval is told `slow_down` instead of `authorization_pending`, as Auth0 does. Tracks the
 * last pending poll per auth_req_id in memory (bounded).
 */
export function cibaSlowDownMiddleware(intervalSeconds: number): Middleware {
  const lastPoll = new Map<string, number>();
  return async (ctx, next) => {
    await next();
    if (ctx.method !== 'POST' || ctx.path !== ROUTES.token || ctx.status !== 400) return;
    const body = ctx.body as { error?: unknown } | undefined;
    const params = (ctx as { oidc?: { params?: { grant_type?: unknown; auth_req_id?: unknown } } }).oidc?.params;
    if (body?.error !== 'authorization_pending' || typeof params?.auth_req_id !== 'string') return;
    const id = params.auth_req_id;
    const now = Date.now();
    const last = lastPoll.get(id);
    lastPoll.delete(id);
    if (lastPoll.size >= MAX_TRACKED) lastPoll.delete(lastPoll.keys().next().value!);
    lastPoll.set(id, now);
    if (last !== undefined && now - last < intervalSeconds * 1000 - TOLERANCE_MS) {
      ctx.body = { error: 'slow_down', error_description: `poll no more often than every ${intervalSeconds} seconds` };
    }
  };
}
