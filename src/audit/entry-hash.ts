import { createHash } from 'node:crypto';
import { canonicalJson } from '../lib/canonical-json.js';

/** The previous hash of the first entry. */
export const GENESIS = '0'.repeat(64);

export function entryHash(prevHash: string, e: { seq: number; at: string; event: string; data: unknown }): string {
  return hashCanonical(prevHash, e, canonicalJson(e.data));
}

/** sha256(prev + "\n" + canonical JSON of {at, data, event, seq}), with the data already canonical. */
export function hashCanonical(prevHash: string, e: { seq: number; at: string; event: string }, dataJson: string): string {
  // Keys in RFC 8785 order (at < data < event < seq): the same text canonicalJson would produce.
  const text = `{"at":${JSON.stringify(e.at)},"data":${dataJson},"event":${JSON.stringify(e.event)},"seq":${canonicalJson(e.seq)}}`;
  return createHash('sha256').update(prevHash).update('\n').update(text).digest('hex');
}
