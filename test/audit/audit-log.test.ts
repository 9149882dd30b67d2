import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAuditLog, entryHash } from '../../src/audit/audit-log.js';
import { createSqliteAuditStore } from '../../src/store/sqlite/audit-store.js';
import { openDatabase } from '../../src/store/sqlite/database.js';

const fixedClock = () => {
  let t = Date.parse('2026-11-28T10:00:00Z');
  return () => new Date((t += 1000));
};

async function logWith(n: number) {
  const db = openDatabase(':memory:');
  const log = createAuditLog(createSqliteAuditStore(db), { now: fixedClock() });
  for (let i = 1; i <= n; i++) await log.append('tool_call', { sub: 'alice', tool: 'whoami', i });
  return { db, log };
}

describe('hash-chained audit log', () => {
  it('an untouched chain verifies', async () => {
    const { log } = await logWith(5);
    expect(await log.verify()).toEqual({ ok: true, lastSeq: 5, head: (await log.recent(1))[0]!.hash, checked: 5, from: 0, checkpoint: 0 });
  });

  it('an altered row breaks the chain at that row', async () => {
    const { db, log } = await logWith(5);
    db.prepare("UPDATE audit_log SET data = json_set(data, '$.sub', 'mallory') WHERE seq = 3").run();
    expect(await log.verify()).toEqual({ ok: false, code: 'hash_mismatch', badSeq: 3, reason: 'entry content does not match its hash' });
  });

  it('a re-hashed altered row is caught by the next link', async () => {
    const { db, log } = await logWith(5);
    const row = db.prepare('SELECT seq, at, event, prev_hash AS prevHash, hash FROM audit_log WHERE seq = 2').get() as {
      seq: number;
      at: string;
      event: string;
      prevHash: string;
      hash: string;
    };
    // The forger rewrites row 2 and recomputes its own hash the way the log does:
    // sha256(prev + "\n" + canonical JSON of {at, data, event, seq}).
    const forged = { i: 2, sub: 'mallory', tool: 'whoami' };
    const text = `{"at":${JSON.stringify(row.at)},"data":${JSON.stringify(forged)},"event":"tool_call","seq":2}`;
    const rehash = createHash('sha256').update(row.prevHash).update('\n').update(text).digest('hex');
    expect(rehash).toBe(entryHash(row.prevHash, { seq: 2, at: row.at, event: row.event, data: forged }));
    expect(rehash).not.toBe(row.hash);
    db.prepare('UPDATE audit_log SET data = ?, hash = ? WHERE seq = 2').run(JSON.stringify(forged), rehash);

    // Row 2 now checks out on its own; only row 3's link to it gives the forgery away.
    expect(await log.verify()).toEqual({ ok: false, code: 'link_broken', badSeq: 3, reason: 'previous-hash link does not match' });
  });

  it('a removed row is named', async () => {
    const { db, log } = await logWith(5);
    db.prepare('DELETE FROM audit_log WHERE seq = 4').run();
    expect(await log.verify()).toEqual({ ok: false, code: 'entry_missing', badSeq: 4, reason: 'entry 4 is missing' });
  });

  it('a removed tail is caught by the head record', async () => {
    const { db, log } = await logWith(5);
    db.prepare('DELETE FROM audit_log WHERE seq = 5').run();
    expect(await log.verify()).toEqual({ ok: false, code: 'head_mismatch', badSeq: 5, reason: 'the chain ends at entry 4 but the head records entry 5' });
  });

  it('never stores a credential, even when a caller passes one by mistake', async () => {
    const { db, log } = await logWith(0);
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
    await log.append('oops', { access_token: 'abc', note: `Bearer ${jwt}`, nested: { client_secret: 's3cr3t', ok: 'fine' } });
    const raw = (db.prepare('SELECT data FROM audit_log').get() as { data: string }).data;
    expect(raw).not.toContain(jwt);
    expect(raw).not.toContain('s3cr3t');
    expect(raw).not.toContain('"abc"');
    expect(JSON.parse(raw)).toEqual({ access_token: '[redacted]', note: 'Bearer [redacted]', nested: { client_secret: '[redacted]', ok: 'fine' } });
    expect((await log.verify()).ok).toBe(true);
  });
});
