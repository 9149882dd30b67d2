import { createHash } from 'node:crypto';
import { canonicalJson } from '../lib/canonical-json.js';
import type { SqliteDatabase } from '../store/sqlite/database.js';
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

interface Row {
  seq: number;
  at: string;
  event: string;
  data: string;
  prev_hash: string;
  hash: string;
}

/**
 * Append-only, hash-chained audit log in the Store. Each entry's hash covers the previous hash and
 * the entry's canonical JSON, so altering or removing a row breaks the chain from that row on; the
 * head row (updated in the same transaction) exposes a removed tail.
 */
export function createAuditLog(db: SqliteDatabase, now: () => Date = () => new Date()): AuditLog {
  const last = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
  const insert = db.prepare('INSERT INTO audit_log (seq, at, event, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)');
  const setHead = db.prepare('INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash');

  const appendTx = db.transaction((event: string, data: Record<string, unknown>): AuditEntry => {
    const prev = last.get() as { seq: number; hash: string } | undefined;
    const seq = (prev?.seq ?? 0) + 1;
    const prevHash = prev?.hash ?? GENESIS;
    const at = now().toISOString();
    const dataJson = canonicalJson(data);
    const hash = hashCanonical(prevHash, { seq, at, event }, dataJson);
    insert.run(seq, at, event, dataJson, prevHash, hash);
    setHead.run(seq, hash);
    return { seq, at, event, data, prevHash, hash };
  });

  return {
    append(event, data) {
      return appendTx.immediate(event, scrubSecrets(data) as Record<string, unknown>);
    },
    verify() {
      let prevHash = GENESIS;
      let expectedSeq = 1;
      let count = 0;
      for (const row of db.prepare('SELECT * FROM audit_log ORDER BY seq').iterate() as Iterable<Row>) {
        count++;
        if (row.seq !== expectedSeq) return { ok: false, entries: count, badSeq: expectedSeq, reason: `entry ${expectedSeq} is missing` };
        if (row.prev_hash !== prevHash) return { ok: false, entries: count, badSeq: row.seq, reason: 'previous-hash link does not match' };
        let data: unknown;
        try {
          data = JSON.parse(row.data);
        } catch {
          return { ok: false, entries: count, badSeq: row.seq, reason: 'entry data is not valid JSON' };
        }
        if (entryHash(prevHash, { seq: row.seq, at: row.at, event: row.event, data }) !== row.hash) {
          return { ok: false, entries: count, badSeq: row.seq, reason: 'entry content does not match its hash' };
        }
        prevHash = row.hash;
        expectedSeq++;
      }
      const head = db.prepare('SELECT seq, hash FROM audit_head WHERE id = 1').get() as { seq: number; hash: string } | undefined;
      if (head && (head.seq !== count || head.hash !== prevHash)) {
        return { ok: false, entries: count, badSeq: Math.min(head.seq, count + 1), reason: `the chain ends at entry ${count} but the head records entry ${head.seq}` };
      }
      return { ok: true, entries: count, head: prevHash };
    },
    recent(limit) {
      const rows = db.prepare('SELECT * FROM audit_log ORDER BY seq DESC LIMIT ?').all(limit) as Row[];
      return rows.map((r) => ({ seq: r.seq, at: r.at, event: r.event, data: JSON.parse(r.data), prevHash: r.prev_hash, hash: r.hash }));
    },
  };
}
