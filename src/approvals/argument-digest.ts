import { createHash } from 'node:crypto';
import { canonicalJson } from '../lib/canonical-json.js';

/**
 * The digest that binds an approval (and an audit entry) to one exact call:
 * sha256 over the canonical JSON of (tool, arguments, caller sub, resource), base64url.
 */
export function argumentDigest(input: { tool: string; args: unknown; sub: string; resource: string }): string {
  const text = canonicalJson({ args: input.args ?? {}, resource: input.resource, sub: input.sub, tool: input.tool });
  return createHash('sha256').update(text).digest('base64url');
}
