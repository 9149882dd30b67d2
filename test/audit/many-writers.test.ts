import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { createSqliteAuditStore } from '../../src/store/sqlite/audit-store.js';
import { openDatabase } from '../../src/store/sqlite/database.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-writers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writer(file: string, name: string, count: number) {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'append-writer.mjs'), file, name, String(count)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const ready = once(child.stdout, 'data');
  const exited = once(child, 'exit') as Promise<[number | null]>;
  return { child, ready, exited };
}

describe('many writers on one Store', () => {
  it('three processes appending at the same time make one valid chain with every entry', async () => {
    const file = join(dir, 'gatehouse.db');
    openDatabase(file).close();
    const writers = ['a', 'b', 'c'].map((n) => writer(file, n, 400));
    await Promise.all(writers.map((w) => w.ready));
    for (const w of writers) w.child.stdin.end('go\n'); // released together
    const codes = await Promise.all(writers.map((w) => w.exited));
    expect(codes.map(([c]) => c)).toEqual([0, 0, 0]);

    const db = openDatabase(file);
    const store = createSqliteAuditStore(db);
    expect(await createAuditLog(store).verify({ full: true })).toMatchObject({ ok: true, lastSeq: 1200, checked: 1200 });
    const perWriter = { a: new Set<number>(), b: new Set<number>(), c: new Set<number>() };
    for await (const e of store.entries()) {
      const d = JSON.parse(e.dataJson) as { writer: 'a' | 'b' | 'c'; i: number };
      perWriter[d.writer].add(d.i);
    }
    expect([perWriter.a.size, perWriter.b.size, perWriter.c.size]).toEqual([400, 400, 400]);
    db.close();
  }, 60_000);
});
