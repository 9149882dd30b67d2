import type { IncomingMessage, ServerResponse } from 'node:http';
import { mediaType, readBody } from './read-body.js';

/** Reads an application/json body of at most 16 KiB; undefined when it is not one. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  if (mediaType(req) !== 'application/json') return undefined;
  const body = await readBody(req);
  if (!body) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.statusCode = status;
  res.setHeader('Cache-Control', 'no-store');
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (status === 204) {
    res.end();
    return;
  }
  res.setHeader('Content-Type', typeof body === 'object' && body && 'type' in body && 'title' in body ? 'application/problem+json' : 'application/json');
  res.end(JSON.stringify(body));
}

/** Auth0 My Account API errors: RFC 7807 problem details with fixed texts. */
export function problem(res: ServerResponse, status: number, title: string, detail: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { type: `https://auth0.com/api-errors/A0E-${status}-0001`, status, title, detail }, headers);
}
