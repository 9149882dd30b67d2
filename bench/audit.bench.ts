/**
 * The audit append's cost with signed checkpoints against without, on a file-backed SQLite Store (WAL):
 * the same entries appended to one log with no checkpoint key and to logs that sign an Ed25519
 * checkpoint every 1000 entries (the default), every 100 and every entry (the worst case), rounds
 * interleaved. Also the verifier: a full run per entry, and an incremental run from the last proved
 * checkpoint (what `gatehouse audit verify` costs after the first run).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditLog, type AuditLog } from '../src/audit/audit-log.js';
import { keyId } from '../src/audit/checkpoint.js';
import { createSqliteAuditStore } from '../src/store/sqlite/audit-store.js';
import { openDatabase, type SqliteDatabase } from '../src/store/sqlite/database.js';
import { percentile, type BenchResult } from './index.js';

const ROUNDS = 5;
const PER_ROUND = 4000;
const WARMUP = 500;

const data = (i: number) => ({ sub: `user${i % 200}`, client: 'bench', tool: 'whoami', result: 'ok', digest: 'x'.repeat(43), decisions: [{ gate: 'scopes', decision: 'allow' }] });

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-audit-'));
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const key = { privateKey, publicKey, kid: keyId(publicKey) };
  const variants = [
    { name: 'no checkpoints', every: 0 },
    { name: 'checkpoint every 1000', every: 1000 },
    { name: 'checkpoint every 100', every: 100 },
    { name: 'checkpoint every entry', every: 1 },
  ];
  const dbs: SqliteDatabase[] = [];
  try {
    const logs: AuditLog[] = variants.map((v, i) => {
      const db = openDatabase(join(dir, `audit-${i}.db`));
      dbs.push(db);
      return createAuditLog(createSqliteAuditStore(db), v.every ? { key, checkpointEvery: v.every } : {});
    });
    let n = 0;
    for (const log of logs) for (let i = 0; i < WARMUP; i++) await log.append('tool_call', data(n++));
    const samples = variants.map(() => [] as number[]);
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 ? [...variants.keys()].reverse() : [...variants.keys()];
      for (const v of order) {
        for (let i = 0; i < PER_ROUND; i++) {
          const t0 = process.hrtime.bigint();
          await logs[v]!.append('tool_call', data(n++));
          samples[v]!.push(Number(process.hrtime.bigint() - t0) / 1000);
        }
      }
    }
    const stat = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return { p50: percentile(s, 50), mean: s.reduce((a, b) => a + b, 0) / s.length };
    };
    const base = stat(samples[0]!);
    const rows: BenchResult[] = [];
    const label = (v: string, k: string) => `audit append, ${v} (${k})`;
    for (const k of ['p50', 'mean'] as const) {
      rows.push({ name: label(variants[0]!.name, k), value: base[k], unit: 'µs' });
      variants.slice(1).forEach((v, i) => {
        const s = stat(samples[i + 1]!);
        rows.push({ name: label(v.name, k), value: s[k], unit: 'µs', baseline: label(variants[0]!.name, k), ratio: s[k] / base[k] });
      });
    }

    // The verifier on the default log (checkpoint every 1000): full, then incremental after a first run.
    const log = logs[1]!;
    const entries = WARMUP + ROUNDS * PER_ROUND;
    let t0 = process.hrtime.bigint();
    const full = await log.verify({ full: true, record: false });
    const fullUs = Number(process.hrtime.bigint() - t0) / 1000;
    await log.verify();
    t0 = process.hrtime.bigint();
    const inc = await log.verify();
    const incUs = Number(process.hrtime.bigint() - t0) / 1000;
    if (!full.ok || !inc.ok) throw new Error('the bench log does not verify');
    rows.push({ name: `audit verify --full, per entry (${entries} entries)`, value: fullUs / entries, unit: 'µs' });
    rows.push({ name: `audit verify, incremental (${inc.checked} entries after the last proved checkpoint)`, value: incUs / 1000, unit: 'ms', baseline: 'audit verify --full', ratio: incUs / fullUs });
    return rows;
  } finally {
    for (const db of dbs) db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
