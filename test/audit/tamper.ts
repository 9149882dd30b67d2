import { generateKeyPairSync } from 'node:crypto';
import { entryHash } from '../../src/audit/audit-log.js';
import { keyId } from '../../src/audit/checkpoint.js';
import type { CheckpointKey } from '../../src/audit/checkpoint-key.js';
import type { SqliteDatabase } from '../../src/store/sqlite/database.js';

/** A fresh Ed25519 checkpoint key held in memory. */
export function memoryKey(): CheckpointKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey, kid: keyId(publicKey) };
}

/** A clock that moves `stepMs` per reading from `start`. */
export function steppingClock(start = '2026-11-28T10:00:00Z', stepMs = 1000): () => Date {
  let t = Date.parse(start) - stepMs;
  return () => new Date((t += stepMs));
}

interface Row {
  seq: number;
  at: string;
  event: string;
  data: string;
  prev_hash: string;
}

/**
 * What an attacker with write access to the database (but not the signing key) can do: rewrite entry
 * `seq`'s data, then recompute every hash from there to the end and move the head, exactly as the log
 * would have — the chain alone then checks out.
 */
export function rewriteAndRehash(db: SqliteDatabase, seq: number, data: Record<string, unknown>): void {
  const rows = db.prepare('SELECT seq, at, event, data, prev_hash FROM audit_log WHERE seq >= ? ORDER BY seq').all(seq) as Row[];
  const update = db.prepare('UPDATE audit_log SET data = ?, prev_hash = ?, hash = ? WHERE seq = ?');
  let prev = rows[0]!.prev_hash;
  for (const r of rows) {
    const d = r.seq === seq ? data : (JSON.parse(r.data) as unknown);
    const hash = entryHash(prev, { seq: r.seq, at: r.at, event: r.event, data: d });
    update.run(r.seq === seq ? JSON.stringify(d) : r.data, prev, hash, r.seq);
    prev = hash;
  }
  db.prepare('UPDATE audit_head SET seq = ?, hash = ?').run(rows.at(-1)!.seq, prev);
}

/** Deletes entries after `keep` and points the head at entry `keep`, consistently. */
export function cutTail(db: SqliteDatabase, keep: number): void {
  db.prepare('DELETE FROM audit_log WHERE seq > ?').run(keep);
  const last = db.prepare('SELECT seq, hash FROM audit_log WHERE seq = ?').get(keep) as { seq: number; hash: string };
  db.prepare('UPDATE audit_head SET seq = ?, hash = ?').run(last.seq, last.hash);
}
