import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { defaultCheckpointKeyFile, loadCheckpointKey } from '../../src/audit/checkpoint-key.js';
import { createSqliteAuditStore } from '../../src/store/sqlite/audit-store.js';
import { keyDirFor, openDatabase } from '../../src/store/sqlite/database.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { callTool, rpc, tokenFor } from '../helpers/mcp-client.js';

const run = promisify(execFile);
const cli = (args: string[], env: Record<string, string>) =>
  run(process.execPath, ['bin/gatehouse-dev.mjs', ...args], { env: { PATH: process.env.PATH ?? '', ...env } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe('gatehouse audit verify (the real CLI) after real tool calls', () => {
  let gh: TestGatehouse;
  beforeAll(async () => {
    gh = await startTestGatehouse();
    const token = await tokenFor(gh, 'bob');
    for (let i = 0; i < 3; i++) await rpc(gh.mcpUrl, callTool('whoami', {}, i + 10), { authorization: `Bearer ${token}` });
  });
  afterAll(async () => {
    await gh?.stop();
  });

  it('every tools/call was audited with who, tool, digest and each gate decision — never the token', async () => {
    const entries = (await gh.audit.recent(10)).filter((e) => e.event === 'tool_call');
    expect(entries).toHaveLength(3);
    expect(entries[0]!.data).toMatchObject({
      sub: 'bob',
      kind: 'user',
      org: 'org_acme',
      client: 'gatehouse-cli',
      tool: 'whoami',
      result: 'ok',
      decisions: [
        { gate: 'callers', decision: 'allow', detail: { kind: 'user' } },
        { gate: 'scopes', decision: 'allow', detail: { required: ['identity:read'] } },
        { gate: 'rateLimit', decision: 'skip' },
        { gate: 'authorize', decision: 'skip' },
        { gate: 'connect', decision: 'skip' },
        { gate: 'budget', decision: 'skip' },
        { gate: 'approve', decision: 'skip' },
      ],
    });
    expect(entries[0]!.data.digest).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(entries)).not.toMatch(/eyJ/);
  });

  it('audit show prints who asked, the tool, the result and each gate decision', async () => {
    const r = await cli(['audit', 'show', '--limit', '2'], { GATEHOUSE_DATA_DIR: gh.dataDir });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^#2 \d{4}-\d\d-\d\dT[\d:.]+Z tool_call bob \(org_acme\) via gatehouse-cli called whoami -> ok$/);
    expect(lines[1]).toBe('    callers allow (kind=user) · scopes allow (required=["identity:read"]) · rateLimit skip · authorize skip · connect skip · budget skip · approve skip (reason=no approval policy)');
    expect(lines[2]).toMatch(/^#3 /);
    const json = await cli(['audit', 'show', '--user', 'nobody', '--json'], { GATEHOUSE_DATA_DIR: gh.dataDir });
    expect(JSON.parse(json.stdout)).toEqual([]);
    const bad = await cli(['audit', 'show', '--limit', 'lots'], { GATEHOUSE_DATA_DIR: gh.dataDir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('gatehouse audit: --limit must be a whole number from 1 to 10000\n');
  });

  it('exits 0 on an intact chain and 1 naming the first bad entry after tampering', async () => {
    const env = { GATEHOUSE_DATA_DIR: gh.dataDir };
    const ok = await cli(['audit', 'verify'], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^audit chain intact through entry 3, head [0-9a-f]{16}… \(recomputed 3 entries after genesis; newest signed checkpoint: none\)\n$/);

    const db = openDatabase(`${gh.dataDir}/gatehouse.db`);
    db.prepare("UPDATE audit_log SET data = replace(data, 'bob', 'eve') WHERE seq = 2").run();
    db.close();
    const bad = await cli(['audit', 'verify'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('audit chain BROKEN at entry 2 (hash_mismatch): entry content does not match its hash\n');
  });
});

describe('the server signs audit checkpoints with a key outside the database', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-checkpoints-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('every N entries and when it closes; the key is a 0600 file that never enters the database', async () => {
    const gh = await startTestGatehouse({ GATEHOUSE_AUDIT_CHECKPOINT_EVERY: '2' }, { dataDir });
    try {
      const token = await tokenFor(gh, 'alice');
      for (let i = 0; i < 3; i++) await rpc(gh.mcpUrl, callTool('whoami', {}, i + 10), { authorization: `Bearer ${token}` });
    } finally {
      await gh.stop();
    }
    const db = openDatabase(join(dataDir, 'gatehouse.db'));
    const last = db.prepare('SELECT seq FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number };
    const seqs = (db.prepare('SELECT seq FROM audit_checkpoints ORDER BY seq').all() as { seq: number }[]).map((r) => r.seq);
    db.close();
    expect(last.seq).toBe(3);
    expect(seqs).toEqual([2, 3]); // entry 2 by count, entry 3 at close

    const keyFile = join(dataDir, 'keys', 'audit-checkpoint.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const keyBody = readFileSync(keyFile, 'utf8').split('\n')[1]!;
    for (const f of readdirSync(dataDir).filter((n) => n.startsWith('gatehouse.db'))) expect(readFileSync(join(dataDir, f)).includes(keyBody)).toBe(false);

    const r = await cli(['audit', 'verify'], { GATEHOUSE_DATA_DIR: dataDir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^audit chain intact through entry 3, head [0-9a-f]{16}… \(recomputed 3 entries after genesis; newest signed checkpoint: entry 3\)\n$/);
  });
});

describe('a configured checkpoint key (GATEHOUSE_AUDIT_SIGNING_KEY_FILE)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-keyfile-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('a missing file stops start-up naming the variable; an Ed25519 key file is used as given and never generated', async () => {
    const missing = join(dataDir, 'absent.key');
    await expect(startTestGatehouse({ GATEHOUSE_AUDIT_SIGNING_KEY_FILE: missing }, { dataDir })).rejects.toThrow(`GATEHOUSE_AUDIT_SIGNING_KEY_FILE: ${missing} does not exist`);
    expect(existsSync(missing)).toBe(false);

    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const given = join(dataDir, 'given.key');
    writeFileSync(given, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const gh = await startTestGatehouse({ GATEHOUSE_AUDIT_SIGNING_KEY_FILE: given }, { dataDir });
    await gh.audit.append('note', { n: 1 });
    await gh.stop();
    expect(existsSync(join(dataDir, 'keys', 'audit-checkpoint.key'))).toBe(false);
    const pinned = join(dataDir, 'given.pub');
    writeFileSync(pinned, publicKey.export({ type: 'spki', format: 'pem' }));
    const r = await cli(['audit', 'verify', '--key', pinned], { GATEHOUSE_DATA_DIR: dataDir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/newest signed checkpoint: entry 1\)\n$/);
  });
});


describe('retention applied on start (GATEHOUSE_AUDIT_RETENTION_DAYS)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-retention-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prunes entries past the retention up to a signed checkpoint, records it, and the chain still verifies', async () => {
    const file = join(dataDir, 'gatehouse.db');
    const db = openDatabase(file);
    const key = loadCheckpointKey(defaultCheckpointKeyFile(keyDirFor(file)), { create: true })!;
    let t = Date.parse('2020-01-01T00:00:00Z');
    const log = createAuditLog(createSqliteAuditStore(db), { key, checkpointEvery: 5, now: () => new Date((t += 60_000)) });
    for (let i = 1; i <= 7; i++) await log.append('tool_call', { i });
    db.close();

    const gh = await startTestGatehouse({ GATEHOUSE_AUDIT_RETENTION_DAYS: '30' }, { dataDir });
    try {
      expect(gh.db.prepare('SELECT MIN(seq) AS first, COUNT(*) AS n FROM audit_log').get()).toEqual({ first: 6, n: 3 });
      expect((await gh.audit.recent(1))[0]).toMatchObject({ seq: 8, event: 'audit_pruned', data: { through: 5, deleted: 5, retentionDays: 30, by: 'start' } });
      expect(await gh.audit.verify({ full: true })).toMatchObject({ ok: true, lastSeq: 8, from: 5, checked: 3 });
    } finally {
      await gh.stop();
    }
  });
});
