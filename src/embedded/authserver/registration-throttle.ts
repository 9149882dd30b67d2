import type { IncomingMessage, ServerResponse } from 'node:http';
import { ROUTES } from './routes.js';
import { rateLimitHeaders, sendTooManyRequests } from './rate-limit.js';
import { clientAddress, type Clock, type WindowCounter } from './throttle.js';

export const REGISTRATIONS_PER_MINUTE = 30;

/**
 * Open dynamic client registration, throttled per client address (in memory, per server instance):
 * past the limit a registration is answered 429 `too_many_requests`, as Auth0 answers a rate limit,
 * and nothing is stored. Returns true when it answered.
 */
export function registrationThrottle(counter: WindowCounter, now: Clock): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== ROUTES.registration) return false;
    const wait = counter.take(clientAddress(req));
    if (wait === 0) return false;
    sendTooManyRequests(res, 'Too many client registrations from this address; try again later.', rateLimitHeaders(counter, wait, now()));
    return true;
  };
}
