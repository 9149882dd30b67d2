import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { defaultCheckpointKeyFile, loadCheckpointKey } from '../../src/audit/checkpoint-key.js';
import { createSqliteAuditStore } from '../../src/store/sqlite/audit-store.js';
import { keyDirFor, openDatabase } from '../../src/store/sqlite/database.js';
import { cutTail, memoryKey, rewriteAndRehash } from '../audit/tamper.js';

const run = promisify(execFile);
const cli = (args: string[], env: Record<string, string>) =>
  run(process.execPath, ['bin/gatehouse-dev.mjs', ...args], { env: { PATH: process.env.PATH ?? '', ...env } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/**
 * A data directory as the server leaves it: `n` entries (one minute apart from `start`), a signed
 * checkpoint every `every`, the key in `<data>/keys/audit-checkpoint.key`.
 */
async function dataDir(n: number, every: number, start = '2026-11-30T10:00:00Z') {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-audit-cli-'));
  dirs.push(dir);
  const file = join(dir, 'gatehouse.db');
  const db = openDatabase(file);
  const key = loadCheckpointKey(defaultCheckpointKeyFile(keyDirFor(file)), { create: true })!;
  let t = Date.parse(start);
  const log = createAuditLog(createSqliteAuditStore(db), { key, checkpointEvery: every, now: () => new Date(t) });
  for (let i = 1; i <= n; i++) {
    t = Date.parse(start) + (i - 1) * 60_000;
    await log.append('tool_call', { sub: 'alice', tool: 'whoami', i });
  }
  return { dir, db, env: { GATEHOUSE_DATA_DIR: dir } };
}

const BROKEN = (seq: number, code: string, reason: string) => `audit chain BROKEN at entry ${seq} (${code}): ${reason}\n`;

describe('gatehouse audit verify against signed checkpoints (the real CLI, the attacker holds the database)', () => {
  it('an intact chain: exit 0, naming where it was checked from and the newest signed checkpoint', async () => {
    expect(await cli(['audit', 'verify'], (await dataDir(0, 5)).env)).toEqual({ code: 0, stdout: 'audit chain intact: no entries yet\n', stderr: '' });
    const { env } = await dataDir(7, 5);
    const r = await cli(['audit', 'verify'], env);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^audit chain intact through entry 7, head [0-9a-f]{16}… \(recomputed 7 entries after genesis; newest signed checkpoint: entry 5\)\n$/);
    const again = await cli(['audit', 'verify'], env);
    expect(again.stdout).toMatch(/\(recomputed 2 entries after entry 5; newest signed checkpoint: entry 5\)\n$/);
    const full = await cli(['audit', 'verify', '--full'], env);
    expect(full.stdout).toMatch(/\(recomputed 7 entries after genesis; newest signed checkpoint: entry 5\)\n$/);
  });

  it('deleting the last entry together with the head row: exit 1, head missing', async () => {
    const { db, env } = await dataDir(4, 1000);
    db.prepare('DELETE FROM audit_log WHERE seq = 4').run();
    db.prepare('DELETE FROM audit_head').run();
    const r = await cli(['audit', 'verify'], env);
    expect(r).toEqual({ code: 1, stdout: '', stderr: BROKEN(3, 'head_missing', 'the head record is missing (the chain has 3 entries)') });
  });

  it('deleting the last entries, the head and the newest stored checkpoint: intact on the database alone, caught by the exported checkpoint', async () => {
    const { dir, db, env } = await dataDir(12, 5);
    const out = join(dir, 'exported.jws');
    const exported = await cli(['audit', 'checkpoint', '--out', out], env);
    expect(exported).toMatchObject({ code: 0, stderr: '' });
    expect(exported.stdout).toMatch(new RegExp(`^signed checkpoint at entry 12 \\(hash [0-9a-f]{16}…\\) written to ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n$`));
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readFileSync(out, 'utf8')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);

    db.prepare('DELETE FROM audit_checkpoints WHERE seq > 5').run();
    cutTail(db, 8);
    const alone = await cli(['audit', 'verify'], env);
    expect(alone.code).toBe(0);
    expect(alone.stdout).toMatch(/^audit chain intact through entry 8, /);
    const held = await cli(['audit', 'verify', '--checkpoint', out], env);
    expect(held).toEqual({ code: 1, stdout: '', stderr: BROKEN(9, 'truncated', 'the chain ends at entry 8 but a signed checkpoint covers entry 12') });
  });

  it('a forged checkpoint row: exit 1, bad signature', async () => {
    const { db, env } = await dataDir(6, 5);
    const forger = createAuditLog(createSqliteAuditStore(db), { key: memoryKey() });
    await forger.append('tool_call', { sub: 'mallory' });
    expect(await forger.checkpoint()).toMatchObject({ seq: 7 });
    const r = await cli(['audit', 'verify'], env);
    expect(r).toEqual({ code: 1, stdout: '', stderr: BROKEN(7, 'checkpoint_signature', 'the checkpoint at entry 7 does not carry a valid signature') });
  });

  it('the head rolled back behind a checkpoint: exit 1, rolled back', async () => {
    const { db, env } = await dataDir(5, 5);
    const e2 = db.prepare('SELECT hash FROM audit_log WHERE seq = 2').get() as { hash: string };
    db.prepare('UPDATE audit_head SET seq = 2, hash = ?').run(e2.hash);
    const r = await cli(['audit', 'verify'], env);
    expect(r).toEqual({ code: 1, stdout: '', stderr: BROKEN(3, 'head_rolled_back', 'the head records entry 2, behind the signed checkpoint at entry 5') });
  });

  it('an entry altered and re-hashed end to end: exit 1, only because of the signed checkpoint', async () => {
    const { db, env } = await dataDir(6, 5);
    rewriteAndRehash(db, 2, { i: 2, sub: 'mallory', tool: 'whoami' });
    const r = await cli(['audit', 'verify'], env);
    expect(r).toEqual({ code: 1, stdout: '', stderr: BROKEN(5, 'checkpoint_mismatch', 'entry 5 does not match the signed checkpoint for it (history was rewritten)') });
    // The same rewrite where no checkpoint covers the entry goes unseen by the chain alone.
    db.prepare('DELETE FROM audit_checkpoints').run();
    expect((await cli(['audit', 'verify'], env)).code).toBe(0);
  });

  it('audit key prints the public key a verifier pins; a checkpoint signed by another key fails against it', async () => {
    const { dir, env } = await dataDir(5, 5);
    const pem = await cli(['audit', 'key'], env);
    expect(pem.code).toBe(0);
    expect(pem.stdout).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
    const jwk = await cli(['audit', 'key', '--jwk'], env);
    expect(JSON.parse(jwk.stdout)).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', kid: expect.stringMatching(/^[\w-]{43}$/) });
    const pinned = join(dir, 'pinned.pem');
    writeFileSync(pinned, pem.stdout);
    expect((await cli(['audit', 'verify', '--key', pinned], env)).code).toBe(0);
    const stranger = join(dir, 'stranger.pem');
    writeFileSync(stranger, memoryKey().publicKey.export({ type: 'spki', format: 'pem' }));
    expect(await cli(['audit', 'verify', '--key', stranger], env)).toEqual({ code: 1, stdout: '', stderr: BROKEN(5, 'checkpoint_signature', 'the checkpoint at entry 5 does not carry a valid signature') });
  });
});

describe('gatehouse audit prune and export (the real CLI)', () => {
  it('prunes entries past the retention up to a signed checkpoint; the rest still verifies in full', async () => {
    // 10 entries a minute apart on 2020-01-01, then 3 now: the old ones are past a 30-day retention.
    const { db, env } = await dataDir(10, 4, '2020-01-01T00:00:00Z');
    const key = loadCheckpointKey(defaultCheckpointKeyFile(keyDirFor(db.name)), { create: false })!;
    const log = createAuditLog(createSqliteAuditStore(db), { key, checkpointEvery: 4 });
    for (let i = 11; i <= 13; i++) await log.append('tool_call', { i });
    const withRetention = { ...env, GATEHOUSE_AUDIT_RETENTION_DAYS: '30' };
    const pruned = await cli(['audit', 'prune'], withRetention);
    expect(pruned).toEqual({ code: 0, stdout: 'pruned 8 entries through entry 8 (the signed checkpoint the chain now starts from)\n', stderr: '' });
    const verified = await cli(['audit', 'verify', '--full'], env);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^audit chain intact through entry 14, head [0-9a-f]{16}… \(recomputed 6 entries after entry 8; newest signed checkpoint: entry 12\)\n$/);
    const last = (await createAuditLog(createSqliteAuditStore(db)).recent(1))[0]!;
    expect(last).toMatchObject({ seq: 14, event: 'audit_pruned', data: { through: 8, deleted: 8, retentionDays: 30, by: 'cli' } });
    expect(await cli(['audit', 'prune'], env)).toEqual({ code: 2, stdout: '', stderr: 'gatehouse audit: set GATEHOUSE_AUDIT_RETENTION_DAYS to prune (the default keeps every entry)\n' });
  });

  it('export --since streams exactly the entries at or after that time as JSON lines', async () => {
    const { db, env } = await dataDir(5, 1000);
    const rows = db.prepare('SELECT prev_hash AS prevHash, hash FROM audit_log WHERE seq >= 4 ORDER BY seq').all() as { prevHash: string; hash: string }[];
    const r = await cli(['audit', 'export', '--since', '2026-11-30T10:03:00Z', '--format', 'jsonl'], env);
    expect(r).toEqual({
      code: 0,
      stderr: '',
      stdout:
        `{"seq":4,"at":"2026-11-30T10:03:00.000Z","event":"tool_call","data":{"i":4,"sub":"alice","tool":"whoami"},"prevHash":"${rows[0]!.prevHash}","hash":"${rows[0]!.hash}"}\n` +
        `{"seq":5,"at":"2026-11-30T10:04:00.000Z","event":"tool_call","data":{"i":5,"sub":"alice","tool":"whoami"},"prevHash":"${rows[1]!.prevHash}","hash":"${rows[1]!.hash}"}\n`,
    });
    const offset = await cli(['audit', 'export', '--since', '2026-11-30T12:03:30+02:00'], env);
    expect(offset.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([5]);
  });

  it('a bad --since or --format is a usage error: exit 2, nothing written', async () => {
    const { env } = await dataDir(2, 1000);
    for (const [args, message] of [
      [['--since', 'yesterday'], '--since must be an ISO 8601 time such as 2026-11-30T00:00:00Z'],
      [['--since', '2026-13-45T99:00:00Z'], '--since must be an ISO 8601 time such as 2026-11-30T00:00:00Z'],
      [[], '--since is required (an ISO 8601 time such as 2026-11-30T00:00:00Z)'],
      [['--since', '2026-11-30T00:00:00Z', '--format', 'csv'], '--format must be jsonl'],
    ] as const) {
      expect(await cli(['audit', 'export', ...args], env)).toEqual({ code: 2, stdout: '', stderr: `gatehouse audit: ${message}\n` });
    }
  });
});
