import type { UrlElicitationRequiredError } from '@modelcontextprotocol/server';
import { createHash } from 'node:crypto';
import { ConnectionScopeMissingError, NotConnectedError } from '../errors.js';
import { urlElicitationError } from '../lib/jsonrpc-error.js';

/** The connect URL and the message for a missing or under-scoped connected account; undefined for any other error. */
export function connectElicitation(err: unknown): { url: string; message: string; code: string } | undefined {
  if (!(err instanceof NotConnectedError) && !(err instanceof ConnectionScopeMissingError)) return undefined;
  return { url: err.connectUrl, message: err.message, code: err.code };
}

/**
 * MCP 2025-11-25: a missing or under-scoped connected account becomes a URL elicitation error
 * (-32042): the client opens our connect URL in the user's browser, so provider credentials never
 * pass through it. The message also carries the URL for clients without URL elicitation.
 */
export function toUrlElicitation(err: unknown): UrlElicitationRequiredError | undefined {
  const c = connectElicitation(err);
  if (!c) return undefined;
  const elicitationId = createHash('sha256').update(c.url).digest('base64url').slice(0, 22);
  return urlElicitationError([{ mode: 'url', elicitationId, url: c.url, message: c.message }], `${c.message} [${c.code}]`);
}
