import { RateLimitedError } from '../errors.js';
import type { RateLimitStore } from '../store/ports/rate-limit-store.js';
import { SKIP, type Gate } from './gate.js';

const WINDOW_MS = 60_000;

/**
 * The rate-limit gate: at most `rateLimit.perMinute` calls of a tool per caller in any rolling 60 s
 * (a sliding log of call times). The caller is the token's subject — the user, whichever client they
 * use, or the machine client — so registering more clients does not buy more calls. Every call that
 * reaches this gate counts, whatever happens after it. Refusals carry `retryAfterSeconds`: the time
 * until the oldest counted call leaves the window. The log is in the Store (one check-and-record per
 * call), so every instance on the Store keeps one limit together; a tool without a limit costs no
 * Store work. A Store that cannot answer refuses the call (fail closed).
 */
export function rateLimitGate(store: RateLimitStore, now: () => number = Date.now): Gate {
  return {
    name: 'rateLimit',
    async evaluate(call) {
      const policy = call.tool.rateLimit;
      if (!policy) return SKIP;
      const t = now();
      const hit = await store.hit(`${call.tool.name}\u0000${call.caller.sub}`, t, WINDOW_MS, policy.perMinute);
      if (!hit.allowed) {
        const retryAfterSeconds = Math.max(1, Math.ceil(((hit.oldestInWindow ?? t) + WINDOW_MS - t) / 1000));
        return {
          decision: 'deny',
          detail: { perMinute: policy.perMinute, retryAfterSeconds },
          error: new RateLimitedError(retryAfterSeconds, `This tool allows ${policy.perMinute} calls per minute per caller; retry after ${retryAfterSeconds} s. Nothing was run.`),
        };
      }
      return { decision: 'allow', detail: { perMinute: policy.perMinute, used: hit.used } };
    },
  };
}
