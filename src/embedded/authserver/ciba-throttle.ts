import type Provider from 'oidc-provider';
import { rateLimitHeaders, TooManyRequests } from './rate-limit.js';
import type { Clock, WindowCounter } from './throttle.js';

export const BACKCHANNEL_REQUESTS_PER_MINUTE = 60;

const counters = new WeakMap<object, { counter: WindowCounter; now: Clock }>();

/** Throttles /bc-authorize per authenticated client for this provider (in memory, per instance). */
export function throttleBackchannelRequests(provider: Provider, counter: WindowCounter, now: Clock): void {
  counters.set(provider, { counter, now });
}

/**
 * Called from the CIBA request validation, after client authentication: past the per-client limit
 * the request is answered 429 `too_many_requests` (Auth0's rate-limit answer) and nothing is created.
 * `slow_down` is the token endpoint's answer to polling too fast, and `too_many_attempts` Auth0's
 * block of a user's failed logins: neither fits a client that asks too often.
 */
export function checkBackchannelRate(ctx: { oidc: { provider: Provider; client?: { clientId: string } }; set(headers: Record<string, string>): void }): void {
  const entry = counters.get(ctx.oidc.provider);
  const clientId = ctx.oidc.client?.clientId;
  if (!entry || !clientId) return;
  const wait = entry.counter.take(clientId);
  if (wait === 0) return;
  ctx.set(rateLimitHeaders(entry.counter, wait, entry.now()));
  throw new TooManyRequests('Too many backchannel authentication requests from this client; try again later.');
}
