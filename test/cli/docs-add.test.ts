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

  const cli = (...args: string[]) =>
    run(process.execPath, ['bin/gatehouse.mjs', 'docs', 'add', ...args], {
      env: { ...process.env, GATEHOUSE_DATA_DIR: gh.dataDir, GATEHOUSE_FGA_PORT: new URL(gh.fga!.url).port, GATEHOUSE_LOG_LEVEL: 'silent' },
    });

  it('ingests a glob into a folder with an owner; re-ingesting a changed file replaces its chunks', async () => {
    mkdirSync(join(src, 'reports', 'q4'), { recursive: true });
    writeFileSync(join(src, 'reports', 'q4', 'Board Pack Q4.md'), '# Board pack Q4\n\nThe zeppelin acquisition closes in December.');
    writeFileSync(join(src, 'reports', 'notes.txt'), 'Plain notes about the quarterly forecast.');
    writeFileSync(join(src, 'reports', 'image.png'), 'not text');
    const out = await cli(`${src}/reports/**/*.md`, '--folder', 'finance', '--owner', 'user:alice');
    expect(out.stdout).toContain('created   document:board-pack-q4');
    expect(out.stdout).not.toContain('notes');
    expect(gh.documents.store.get('board-pack-q4')).toMatchObject({ folder: 'finance', title: 'Board pack Q4', source: 'q4/Board Pack Q4.md' });
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

  it('refuses bad input and changes nothing', async () => {
    await expect(cli(src, '--folder', 'Bad Folder!')).rejects.toMatchObject({ code: 2 });
    await expect(cli(src, '--folder', 'finance', '--owner', 'alice')).rejects.toMatchObject({ code: 2 });
  }, 60_000);
});
