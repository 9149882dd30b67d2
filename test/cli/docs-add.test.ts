import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/identity/caller.js';
import { startTestGatehouse, tempDir, type TestGatehouse } from '../helpers/bootstrap.js';

const run = promisify(execFile);
const bob: Caller = { kind: 'user', sub: 'bob', clientId: 'c', orgId: 'org_acme', scopes: ['docs:read'], permissions: [], issuer: 'i', expiresAt: 0 };

describe('gatehouse docs add (against a running embedded server)', () => {
  let gh: TestGatehouse;
  const src = tempDir();
  beforeAll(async () => {
    gh = await startTestGatehouse();
  });
  afterAll(async () => {
    await gh?.stop();
    rmSync(src, { recursive: true, force: true });
  });

  const cliWith = (env: Record<string, string>, ...args: string[]) =>
    run(process.execPath, ['bin/gatehouse-dev.mjs', 'docs', 'add', ...args], {
      env: { ...process.env, GATEHOUSE_DATA_DIR: gh.dataDir, GATEHOUSE_FGA_PORT: new URL(gh.fga!.url).port, GATEHOUSE_LOG_LEVEL: 'silent', ...env },
    });
  const cli = (...args: string[]) => cliWith({}, ...args);
  const fgaWrites = async () => (await gh.audit.recent(50)).filter((e) => e.event === 'fga_write');

  it('ingests a glob into a folder with an owner; re-ingesting a changed file replaces its chunks', async () => {
    mkdirSync(join(src, 'reports', 'q4'), { recursive: true });
    writeFileSync(join(src, 'reports', 'q4', 'Board Pack Q4.md'), '# Board pack Q4\n\nThe zeppelin acquisition closes in December.');
    writeFileSync(join(src, 'reports', 'notes.txt'), 'Plain notes about the quarterly forecast.');
    writeFileSync(join(src, 'reports', 'image.png'), 'not text');
    const out = await cli(`${src}/reports/**/*.md`, '--folder', 'finance', '--owner', 'user:alice');
    expect(out.stdout).toContain('created   document:board-pack-q4');
    expect(out.stdout).not.toContain('notes');
    expect(await gh.documents.store.get('board-pack-q4')).toMatchObject({ folder: 'finance', title: 'Board pack Q4', source: 'q4/Board Pack Q4.md' });
    expect(await gh.authorizer.check({ user: 'user:alice', relation: 'owner', object: 'document:board-pack-q4' })).toBe(true);
    const found = await gh.documents.retriever.search(bob, 'zeppelin', 5);
    expect(found.hits.map((h) => h.id)).toEqual(['board-pack-q4']);

    writeFileSync(join(src, 'reports', 'q4', 'Board Pack Q4.md'), '# Board pack Q4\n\nThe airship acquisition closes in January.');
    const again = (await cli(join(src, 'reports'), '--folder', 'finance')).stdout;
    expect(again).toMatch(/updated\s+document:board-pack-q4/);
    expect(again).toMatch(/created\s+document:notes/);
    expect((await gh.documents.retriever.search(bob, 'zeppelin', 5)).hits).toEqual([]);
    expect((await gh.documents.retriever.search(bob, 'airship', 5)).hits.map((h) => h.id)).toEqual(['board-pack-q4']);
  }, 60_000);

  it('sends the server\'s FGA API key (read from the data dir) and audits the tuples it wrote', async () => {
    writeFileSync(join(src, 'ledger.md'), '# Ledger\n\nThe quokka fund balance.');
    const before = (await fgaWrites()).length;
    await cli(join(src, 'ledger.md'), '--folder', 'finance', '--owner', 'user:bob');
    const entries = await fgaWrites();
    expect(entries).toHaveLength(before + 1);
    expect(entries[0]!.data).toMatchObject({
      command: 'docs add',
      operator: expect.any(String),
      fga: 'embedded',
      writes: [
        { user: 'folder:finance', relation: 'parent', object: 'document:ledger' },
        { user: 'user:bob', relation: 'owner', object: 'document:ledger' },
      ],
      deletes: [],
      result: 'ok',
    });
    expect(await gh.audit.verify()).toMatchObject({ ok: true });
  }, 60_000);

  it('with a wrong FGA API key: refused with a clear message, nothing stored, the failed write audited', async () => {
    writeFileSync(join(src, 'intruder.md'), '# Intruder\n\nThe wombat plan.');
    const err = await cliWith({ GATEHOUSE_FGA_API_KEY: 'wrong-key-0123456789abcdef' }, join(src, 'intruder.md'), '--folder', 'finance', '--owner', 'user:carol').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 1, stderr: expect.stringContaining('FGA refused the API key (HTTP 401), nothing was stored') });
    expect(await gh.documents.store.get('intruder')).toBeUndefined();
    expect(await gh.authorizer.check({ user: 'user:carol', relation: 'owner', object: 'document:intruder' })).toBe(false);
    expect((await fgaWrites())[0]!.data).toMatchObject({ command: 'docs add', writes: [{ object: 'document:intruder' }, { user: 'user:carol' }], result: 'error', error: 'authorization_unavailable' });
    expect(JSON.stringify(await gh.audit.recent(5))).not.toContain('wrong-key-0123456789abcdef');
  }, 60_000);

  it('refuses bad input and changes nothing', async () => {
    const state = async () => ({
      documents: gh.db.prepare('SELECT COUNT(*) AS n FROM documents').get(),
      chunks: gh.db.prepare('SELECT COUNT(*) AS n FROM document_chunks').get(),
      tuples: gh.db.prepare('SELECT COUNT(*) AS n FROM fga_tuples').get(),
      audit: (await gh.audit.recent(1))[0]?.seq ?? 0,
    });
    const before = await state();
    await expect(cli(src, '--folder', 'Bad Folder!')).rejects.toMatchObject({ code: 2 });
    await expect(cli(src, '--folder', 'finance', '--owner', 'alice')).rejects.toMatchObject({ code: 2 });
    expect(await state()).toEqual(before);
  }, 60_000);
});
