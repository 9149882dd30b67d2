import type { ServerResponse } from 'node:http';
import { errors } from 'oidc-provider';
import { retryAfterSeconds, type WindowCounter } from './throttle.js';

/**
 * Auth0's answer when an Authentication API rate limit is hit: HTTP 429 with `too_many_requests`, and
 * the X-RateLimit-* headers (the reset is in epoch seconds) plus Retry-After.
 */
export const TOO_MANY_REQUESTS = 'too_many_requests';

export function rateLimitHeaders(counter: WindowCounter, waitMs: number, nowMs: number): Record<string, string> {
  return {
    'Retry-After': String(retryAfterSeconds(waitMs)),
    'X-RateLimit-Limit': String(counter.limit),
    'X-RateLimit-Remaining': '0',
    'X-RateLimit-Reset': String(Math.ceil((nowMs + waitMs) / 1000)),
  };
}

export function sendTooManyRequests(res: ServerResponse, description: string, headers: Record<string, string>): void {
  res.statusCode = 429;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(JSON.stringify({ error: TOO_MANY_REQUESTS, error_description: description }));
}

/** The same answer from inside oidc-provider (its error handler renders `error` and `error_description`). */
export class TooManyRequests extends errors.OIDCProviderError {
  constructor(description: string) {
    super(429, TOO_MANY_REQUESTS);
    this.error_description = description;
  }
}
