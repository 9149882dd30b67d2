import { canonicalJson } from '../lib/canonical-json.js';
import { contentDigest, type ApprovalText } from './approval-text.js';

/**
 * The full approval texts of recent requests, addressed by their sha256 (the RAR `content` property).
 * The embedded device page shows a request's full content (a whole email body, every recipient) from
 * here, and only when the text's own digest equals the one in the request's authorization_details —
 * so the page cannot show anything the approved details (and through them the argument digest) do not
 * cover. Content-addressed, so filling it twice with the same call is harmless; bounded in size.
 */
const MAX_ENTRIES = 500;
const texts = new Map<string, string>();

export function rememberApprovalText(content: string, text: ApprovalText): void {
  texts.delete(content);
  texts.set(content, canonicalJson(text));
  while (texts.size > MAX_ENTRIES) texts.delete(texts.keys().next().value!);
}

/** The full text named by `content`, if this process built it and it still hashes to `content`. */
export function recallApprovalText(content: string): ApprovalText | undefined {
  const stored = texts.get(content);
  if (stored === undefined) return undefined;
  const text = JSON.parse(stored) as ApprovalText;
  return contentDigest(text) === content ? text : undefined;
}
