import type { UrlElicitationRequiredError } from '@modelcontextprotocol/sdk/types.js';
import { createHash } from 'node:crypto';
import { ConnectionScopeMissingError, NotConnectedError } from '../errors.js';
import { urlElicitationError } from '../lib/jsonrpc-error.js';

/**
 * A missing or under-scoped connected account becomes an MCP URL elicitation error (-32042): the
 * client opens our connect URL in the user's browser, so provider credentials never pass through it.
 * The message also carries the URL for clients without URL elicitation.
 */
export function toUrlElicitation(err: unknown): UrlElicitationRequiredError | undefined {
  if (!(err instanceof NotConnectedError) && !(err instanceof ConnectionScopeMissingError)) return undefined;
  const elicitationId = createHash('sha256').update(err.connectUrl).digest('base64url').slice(0, 22);
  return urlElicitationError([{ mode: 'url', elicitationId, url: err.connectUrl, message: err.message }], `${err.message} [${err.code}]`);
}
