import { RateLimitedError } from '../errors.js';
import { SKIP, type Gate } from './gate.js';

const WINDOW_MS = 60_000;

/**
 * The rate-limit gate: at most `rateLimit.perMinute` calls of a tool per caller in any rolling 60 s
 * (a sliding log of call times). The caller is the token's subject — the user, whichever client they
 * use, or the machine client — so registering more clients does not buy more calls. Every call that
 * reaches this gate counts, whatever happens after it. Refusals carry `retryAfterSeconds`: the time
 * until the oldest counted call leaves the window. The log lives in this process: each instance
 * limits on its own.
 */
export function rateLimitGate(now: () => number = Date.now): Gate {
  const log = new Map<string, number[]>();
  let lastSweep = 0;
  return {
    name: 'rateLimit',
    async evaluate(call) {
      const policy = call.tool.rateLimit;
      if (!policy) return SKIP;
      const t = now();
      if (t - lastSweep > WINDOW_MS) {
        for (const [k, times] of log) if (times[times.length - 1]! <= t - WINDOW_MS) log.delete(k);
        lastSweep = t;
      }
      const key = `${call.tool.name}\u0000${call.caller.sub}`;
      const times = (log.get(key) ?? []).filter((x) => x > t - WINDOW_MS);
      if (times.length >= policy.perMinute) {
        log.set(key, times);
        const retryAfterSeconds = Math.max(1, Math.ceil((times[times.length - policy.perMinute]! + WINDOW_MS - t) / 1000));
        return {
          decision: 'deny',
          detail: { perMinute: policy.perMinute, retryAfterSeconds },
          error: new RateLimitedError(retryAfterSeconds, `This tool allows ${policy.perMinute} calls per minute per caller; retry after ${retryAfterSeconds} s. Nothing was run.`),
        };
      }
      times.push(t);
      log.set(key, times);
      return { decision: 'allow', detail: { perMinute: policy.perMinute, used: times.length } };
    },
  };
}
