import { createHash } from 'node:crypto';
import { canonicalJson } from '../lib/canonical-json.js';
import type { AuditStore } from '../store/ports/audit-store.js';
import { scrubSecrets } from './scrub.js';

export interface AuditEntry {
  readonly seq: number;
  readonly at: string;
  readonly event: string;
  readonly data: Record<string, unknown>;
  readonly prevHash: string;
  readonly hash: string;
}

export type VerifyResult =
  | { readonly ok: true; readonly entries: number; readonly head: string }
  | { readonly ok: false; readonly entries: number; readonly badSeq: number; readonly reason: string };

export interface AuditLog {
  append(event: string, data: Record<string, unknown>): AuditEntry;
  verify(): VerifyResult;
  recent(limit: number): AuditEntry[];
}

export const GENESIS = '0'.repeat(64);

export function entryHash(prevHash: string, e: { seq: number; at: string; event: string; data: unknown }): string {
  return hashCanonical(prevHash, e, canonicalJson(e.data));
}

/** sha256(prev + "\n" + canonical JSON of {at, data, event, seq}), with the data already canonical. */
function hashCanonical(prevHash: string, e: { seq: number; at: string; event: string }, dataJson: string): string {
  // Keys in RFC 8785 order (at < data < event < seq): the same text canonicalJson would produce.
  const text = `{"at":${JSON.stringify(e.at)},"data":${dataJson},"event":${JSON.stringify(e.event)},"seq":${canonicalJson(e.seq)}}`;
  return createHash('sha256').update(prevHash).update('\n').update(text).digest('hex');
}

/**
 * Append-only, hash-chained audit log over an AuditStore. Each entry's hash covers the previous hash and
 * the entry's canonical JSON, so altering or removing an entry breaks the chain from that entry on; the
 * head (moved in the same append) exposes a removed tail.
 */
export function createAuditLog(store: AuditStore, now: () => Date = () => new Date()): AuditLog {
  return {
    append(event, data) {
      const scrubbed = scrubSecrets(data) as Record<string, unknown>;
      const stored = store.append((prev) => {
        const seq = (prev?.seq ?? 0) + 1;
        const prevHash = prev?.hash ?? GENESIS;
        const at = now().toISOString();
        const dataJson = canonicalJson(scrubbed);
        return { seq, at, event, dataJson, prevHash, hash: hashCanonical(prevHash, { seq, at, event }, dataJson) };
      });
      return { seq: stored.seq, at: stored.at, event: stored.event, data: scrubbed, prevHash: stored.prevHash, hash: stored.hash };
    },
    verify() {
      let prevHash = GENESIS;
      let expectedSeq = 1;
      let count = 0;
      for (const e of store.entries()) {
        count++;
        if (e.seq !== expectedSeq) return { ok: false, entries: count, badSeq: expectedSeq, reason: `entry ${expectedSeq} is missing` };
        if (e.prevHash !== prevHash) return { ok: false, entries: count, badSeq: e.seq, reason: 'previous-hash link does not match' };
        let data: unknown;
        try {
          data = JSON.parse(e.dataJson);
        } catch {
          return { ok: false, entries: count, badSeq: e.seq, reason: 'entry data is not valid JSON' };
        }
        if (entryHash(prevHash, { seq: e.seq, at: e.at, event: e.event, data }) !== e.hash) {
          return { ok: false, entries: count, badSeq: e.seq, reason: 'entry content does not match its hash' };
        }
        prevHash = e.hash;
        expectedSeq++;
      }
      const head = store.head();
      if (head && (head.seq !== count || head.hash !== prevHash)) {
        return { ok: false, entries: count, badSeq: Math.min(head.seq, count + 1), reason: `the chain ends at entry ${count} but the head records entry ${head.seq}` };
      }
      return { ok: true, entries: count, head: prevHash };
    },
    recent(limit) {
      return store.recent(limit).map((e) => ({ seq: e.seq, at: e.at, event: e.event, data: JSON.parse(e.dataJson) as Record<string, unknown>, prevHash: e.prevHash, hash: e.hash }));
    },
  };
}
