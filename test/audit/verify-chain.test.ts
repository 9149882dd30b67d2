import { describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { signCheckpoint } from '../../src/audit/checkpoint.js';
import { verifyChain } from '../../src/audit/verify-chain.js';
import { createSqliteAuditStore } from '../../src/store/sqlite/audit-store.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { cutTail, memoryKey, rewriteAndRehash, steppingClock } from './tamper.js';

/** A log of `n` entries on a fresh database, a signed checkpoint every `every` entries (0: none). */
async function logWith(n: number, every = 5, key = memoryKey()) {
  const db = openDatabase(':memory:');
  const store = createSqliteAuditStore(db);
  const log = createAuditLog(store, { key, checkpointEvery: every, now: steppingClock() });
  for (let i = 1; i <= n; i++) await log.append('tool_call', { sub: 'alice', tool: 'whoami', i });
  const checkpointJws = async (seq: number) => (await store.checkpoints()).find((c) => c.seq === seq)!.jws;
  return { db, store, log, key, checkpointJws };
}

describe('audit verify against signed checkpoints (the attacker controls the database, not the key)', () => {
  it('deleting the last entry together with the head row is refused: the head is missing', async () => {
    const { db, log } = await logWith(5, 0);
    db.prepare('DELETE FROM audit_log WHERE seq = 5').run();
    db.prepare('DELETE FROM audit_head').run();
    expect(await log.verify()).toEqual({ ok: false, code: 'head_missing', badSeq: 4, reason: 'the head record is missing (the chain has 4 entries)' });
  });

  it('deleting the last entries and the head behind a signed checkpoint is truncation', async () => {
    const { db, log } = await logWith(7);
    db.prepare('DELETE FROM audit_log WHERE seq >= 5').run();
    db.prepare('DELETE FROM audit_head').run();
    expect(await log.verify()).toEqual({ ok: false, code: 'truncated', badSeq: 5, reason: 'the chain ends at entry 4 but a signed checkpoint covers entry 5' });
  });

  it('cutting the tail and rewriting the head consistently is still truncation past a checkpoint', async () => {
    const { db, log } = await logWith(7);
    cutTail(db, 3);
    expect(await log.verify()).toEqual({ ok: false, code: 'truncated', badSeq: 4, reason: 'the chain ends at entry 3 but a signed checkpoint covers entry 5' });
  });

  it('entries appended by a running server while verify reads are verified too, not taken for a removed tail', async () => {
    const { store, log, key } = await logWith(7);
    const server = createAuditLog(store, { key, now: steppingClock() });
    // Another writer appends between the last entry read and the head read (a live server, another instance).
    const live: typeof store = {
      ...store,
      head: async () => {
        await server.append('tool_call', { sub: 'bob', tool: 'whoami' });
        await server.append('tool_call', { sub: 'bob', tool: 'whoami' });
        return store.head();
      },
    };
    expect(await verifyChain(live, { key: key.publicKey, full: true, record: false })).toMatchObject({ ok: true, lastSeq: 9, checked: 9 });
    expect((await log.verify()).ok).toBe(true);
    // A tail really removed, the head left naming it, is still head_mismatch: test/audit/audit-log.test.ts.
  });

  it('a head rolled back behind a checkpoint, the entries intact, is refused as rolled back', async () => {
    const { db, log } = await logWith(5);
    const e3 = db.prepare('SELECT hash FROM audit_log WHERE seq = 3').get() as { hash: string };
    db.prepare('UPDATE audit_head SET seq = 3, hash = ?').run(e3.hash);
    expect(await log.verify()).toEqual({ ok: false, code: 'head_rolled_back', badSeq: 4, reason: 'the head records entry 3, behind the signed checkpoint at entry 5' });
  });

  it('a forged checkpoint row (signed with another key) is reported as a bad signature', async () => {
    const { db, log } = await logWith(6);
    const e6 = db.prepare('SELECT hash FROM audit_log WHERE seq = 6').get() as { hash: string };
    const other = memoryKey();
    const c = { seq: 6, hash: e6.hash, at: '2026-11-28T11:00:00.000Z' };
    db.prepare('INSERT INTO audit_checkpoints (seq, hash, at, jws) VALUES (?, ?, ?, ?)').run(c.seq, c.hash, c.at, signCheckpoint(other.privateKey, other.publicKey, c));
    expect(await log.verify()).toEqual({ ok: false, code: 'checkpoint_signature', badSeq: 6, reason: 'the checkpoint at entry 6 does not carry a valid signature' });
  });

  it('a signed checkpoint moved to another entry, or its payload edited, fails its signature', async () => {
    const { db, log, checkpointJws } = await logWith(10);
    const jws5 = await checkpointJws(5);
    db.prepare('UPDATE audit_checkpoints SET jws = ? WHERE seq = 10').run(jws5);
    expect(await log.verify()).toMatchObject({ ok: false, code: 'checkpoint_signature', badSeq: 10 });
    const [h, , s] = (await checkpointJws(5)).split('.');
    const payload = Buffer.from(JSON.stringify({ at: '2026-11-28T10:00:04.000Z', hash: 'f'.repeat(64), seq: 5 })).toString('base64url');
    db.prepare('UPDATE audit_checkpoints SET jws = ?, hash = ? WHERE seq = 5').run(`${h}.${payload}.${s}`, 'f'.repeat(64));
    expect(await log.verify()).toMatchObject({ ok: false, code: 'checkpoint_signature', badSeq: 5 });
  });

  it('an entry altered and re-hashed end to end passes the chain alone; only the signed checkpoint catches it', async () => {
    // Without checkpoints the rewrite is indistinguishable from history.
    const bare = await logWith(5, 0);
    rewriteAndRehash(bare.db, 2, { i: 2, sub: 'mallory', tool: 'whoami' });
    expect(await bare.log.verify()).toMatchObject({ ok: true, lastSeq: 5 });
    // With one signed at entry 5 before the rewrite, entry 5's new hash contradicts it.
    const signed = await logWith(5);
    rewriteAndRehash(signed.db, 2, { i: 2, sub: 'mallory', tool: 'whoami' });
    expect(await signed.log.verify()).toEqual({ ok: false, code: 'checkpoint_mismatch', badSeq: 5, reason: 'entry 5 does not match the signed checkpoint for it (history was rewritten)' });
  });

  it('verifies incrementally from the last proved checkpoint; --full recomputes from genesis', async () => {
    const { db, log } = await logWith(7);
    expect(await log.verify()).toMatchObject({ ok: true, lastSeq: 7, checked: 7, from: 0, checkpoint: 5 });
    for (let i = 8; i <= 12; i++) await log.append('tool_call', { sub: 'alice', tool: 'whoami', i });
    expect(await log.verify()).toMatchObject({ ok: true, lastSeq: 12, checked: 7, from: 5, checkpoint: 10 });
    expect(await log.verify()).toMatchObject({ ok: true, lastSeq: 12, checked: 2, from: 10, checkpoint: 10 });
    // A content edit below a proved checkpoint, not re-hashed, is outside the incremental run: --full finds it.
    db.prepare("UPDATE audit_log SET data = json_set(data, '$.sub', 'mallory') WHERE seq = 3").run();
    expect(await log.verify()).toMatchObject({ ok: true, checked: 2, from: 10 });
    expect(await log.verify({ full: true })).toEqual({ ok: false, code: 'hash_mismatch', badSeq: 3, reason: 'entry content does not match its hash' });
  });

  it('a rewrite re-hashed end to end is caught by the incremental run too (at the checkpoint it starts from)', async () => {
    const { db, log } = await logWith(12);
    expect(await log.verify()).toMatchObject({ ok: true, from: 0 });
    rewriteAndRehash(db, 2, { i: 2, sub: 'mallory', tool: 'whoami' });
    expect(await log.verify()).toEqual({ ok: false, code: 'checkpoint_mismatch', badSeq: 10, reason: 'entry 10 does not match the signed checkpoint for it (history was rewritten)' });
  });

  it('deleting entries, head and the newest stored checkpoint together passes on the database alone, not against the exported checkpoint', async () => {
    const { db, log, checkpointJws } = await logWith(12);
    const exported = await checkpointJws(10);
    db.prepare('DELETE FROM audit_checkpoints WHERE seq = 10').run();
    cutTail(db, 7);
    expect(await log.verify()).toMatchObject({ ok: true, lastSeq: 7, checkpoint: 5 });
    expect(await log.verify({ exported })).toEqual({ ok: false, code: 'truncated', badSeq: 8, reason: 'the chain ends at entry 7 but a signed checkpoint covers entry 10' });
  });

  it('an exported checkpoint that is not signed by the key is refused as such', async () => {
    const { log } = await logWith(5);
    const other = memoryKey();
    const forged = signCheckpoint(other.privateKey, other.publicKey, { seq: 5, hash: 'a'.repeat(64), at: '2026-11-28T11:00:00.000Z' });
    expect(await log.verify({ exported: forged })).toEqual({ ok: false, code: 'exported_checkpoint_signature', badSeq: 0, reason: 'the exported checkpoint does not carry a valid signature' });
  });

  it('stored checkpoints without a key to check them are not trusted', async () => {
    const { store } = await logWith(5);
    expect(await createAuditLog(store).verify()).toEqual({ ok: false, code: 'no_key', badSeq: 5, reason: 'signed checkpoints exist but no checkpoint key was given to check them' });
  });

  it('checkpoint() signs the newest entry this log appended, once', async () => {
    const { store, log } = await logWith(7);
    expect((await store.checkpoints()).map((c) => c.seq)).toEqual([5]);
    expect(await log.checkpoint()).toMatchObject({ seq: 7, hash: (await log.recent(1))[0]!.hash });
    expect(await log.checkpoint()).toBeUndefined();
    expect((await store.checkpoints()).map((c) => c.seq)).toEqual([5, 7]);
    expect(await createAuditLog(store).checkpoint()).toBeUndefined();
  });
});
