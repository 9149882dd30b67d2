import { describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { exportLines } from '../../src/audit/export-jsonl.js';
import { pruneAuditLog } from '../../src/audit/prune.js';
import type { AuditStore } from '../../src/store/ports/audit-store.js';
import { createSqliteAuditStore } from '../../src/store/sqlite/audit-store.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { memoryKey } from './tamper.js';

const DAY = 86_400_000;

/** Everything an async iterable yields. */
async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Ten entries one day apart (2026-11-01 … 2026-11-10), a signed checkpoint every 3. */
async function tenDays() {
  const db = openDatabase(':memory:');
  const store = createSqliteAuditStore(db);
  const key = memoryKey();
  let t = 0;
  const log = createAuditLog(store, { key, checkpointEvery: 3, now: () => new Date(t) });
  for (let i = 1; i <= 10; i++) {
    t = Date.parse('2026-11-01T00:00:00Z') + (i - 1) * DAY;
    await log.append('tool_call', { i });
  }
  return { db, store, log, key };
}

describe('retention: pruning keeps the chain verifiable from a signed anchor', () => {
  it('deletes entries older than the cutoff only up to a signed checkpoint, and the rest still verifies', async () => {
    const { store, log, key } = await tenDays();
    // Older than 2026-11-06: entries 1-5 (checkpoints at 3, 6, 9 are signed at the time of entries 3, 6, 9).
    const result = await pruneAuditLog(store, new Date('2026-11-06T00:00:00Z'), { key: key.publicKey });
    expect(result).toEqual({ pruned: true, deleted: 3, through: 3 });
    expect((await all(store.entries())).map((e) => e.seq)).toEqual([4, 5, 6, 7, 8, 9, 10]);
    expect(await store.anchor()).toMatchObject({ seq: 3 });
    expect((await store.checkpoints()).map((c) => c.seq)).toEqual([3, 6, 9]);
    expect(await log.verify({ full: true })).toMatchObject({ ok: true, lastSeq: 10, checked: 7, from: 3, checkpoint: 9 });
  });

  it('nothing older than the cutoff, or no checkpoint at the cut, prunes nothing', async () => {
    const { store, key } = await tenDays();
    expect(await pruneAuditLog(store, new Date('2026-11-01T00:00:00Z'), { key: key.publicKey })).toEqual({ pruned: false, reason: 'nothing_old_enough' });
    expect(await pruneAuditLog(store, new Date('2026-11-03T00:00:00Z'), { key: key.publicKey })).toEqual({ pruned: false, reason: 'no_checkpoint_at_cut' });
    expect(await all(store.entries())).toHaveLength(10);
  });

  it('a chain that does not verify is not pruned: the evidence stays', async () => {
    const { db, store, key } = await tenDays();
    db.prepare("UPDATE audit_log SET data = '{\"i\":99}' WHERE seq = 2").run();
    expect(await pruneAuditLog(store, new Date('2026-11-06T00:00:00Z'), { key: key.publicKey })).toEqual({
      pruned: false,
      reason: 'chain_broken',
      verify: { ok: false, code: 'hash_mismatch', badSeq: 2, reason: 'entry content does not match its hash' },
    });
    expect(await all(store.entries())).toHaveLength(10);
    expect(await store.anchor()).toBeUndefined();
  });

  it('two instances pruning at once: the one that finds the log pruned past its cut meanwhile prunes nothing and does not fail', async () => {
    const { store, log, key } = await tenDays();
    // Between choosing its cut (entry 3) and pruning, another instance with a later cutoff prunes to entry 6.
    const racing: AuditStore = {
      ...store,
      prune: async (cut) => {
        expect(await pruneAuditLog(store, new Date('2026-11-08T00:00:00Z'), { key: key.publicKey })).toEqual({ pruned: true, deleted: 6, through: 6 });
        return store.prune(cut);
      },
    };
    expect(await pruneAuditLog(racing, new Date('2026-11-06T00:00:00Z'), { key: key.publicKey })).toEqual({ pruned: false, reason: 'nothing_old_enough' });
    expect(await store.anchor()).toMatchObject({ seq: 6 });
    expect(await log.verify({ full: true })).toMatchObject({ ok: true, lastSeq: 10, from: 6 });
  });

  it('an anchor that is not signed by the key fails verification as such', async () => {
    const { db, store, log, key } = await tenDays();
    await pruneAuditLog(store, new Date('2026-11-08T00:00:00Z'), { key: key.publicKey });
    expect(await store.anchor()).toMatchObject({ seq: 6 });
    const forged = createAuditLog(store, { key: memoryKey() });
    db.prepare('UPDATE audit_anchor SET jws = ?').run(((await store.checkpoints()).at(-1)!.jws.split('.').slice(0, 2).join('.')) + '.AAAA');
    expect(await log.verify()).toEqual({ ok: false, code: 'anchor_signature', badSeq: 6, reason: 'the prune anchor at entry 6 does not carry a valid signature' });
    expect(await forged.verify()).toMatchObject({ ok: false, code: 'checkpoint_signature' });
  });

  it('entries pruned past the anchor and the first remaining entry cut are caught', async () => {
    const { db, store, log, key } = await tenDays();
    await pruneAuditLog(store, new Date('2026-11-06T00:00:00Z'), { key: key.publicKey });
    db.prepare('DELETE FROM audit_log WHERE seq = 4').run();
    expect(await log.verify({ full: true })).toEqual({ ok: false, code: 'entry_missing', badSeq: 4, reason: 'entry 4 is missing' });
  });

  it('export streams the entries since a time, one JSON line each, with the hashed data byte for byte', async () => {
    const { store } = await tenDays();
    const lines = await all(exportLines(store, new Date('2026-11-09T00:00:00Z')));
    const [e9, e10] = await all(store.entries({ fromSeq: 9 }));
    expect(lines).toEqual([
      `{"seq":9,"at":"2026-11-09T00:00:00.000Z","event":"tool_call","data":{"i":9},"prevHash":"${e9!.prevHash}","hash":"${e9!.hash}"}\n`,
      `{"seq":10,"at":"2026-11-10T00:00:00.000Z","event":"tool_call","data":{"i":10},"prevHash":"${e10!.prevHash}","hash":"${e10!.hash}"}\n`,
    ]);
    expect(e10!.prevHash).toBe(e9!.hash);
  });
});
