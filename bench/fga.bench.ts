/**
 * Embedded FGA benchmark on the demo model (authz/model.fga): Check and ListObjects in-process and
 * over loopback HTTP through @openfga/sdk at 100k tuples, then in-process at 1M tuples (skip with
 * GATEHOUSE_BENCH_FGA_1M=0). Reports load and restart time, heap after a restart, p50/p99 latency and
 * throughput, with ratios against the targets, HTTP against in-process, and 1M against 100k.
 *
 * Data: 100 folders under 4 department folders, 20 groups of users (groups 0-9 each editor on 10 folders),
 * documents spread over the folders, a few direct viewer grants; one user's group sees ~10% of the
 * documents (~9k at 100k, ~95k at 1M). ListObjects runs with the result cap raised (the server cap is
 * 1000) to measure the whole answer.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CredentialsMethod, OpenFgaClient } from '@openfga/sdk';
import { dslToModel } from '../src/embedded/fga/dsl.js';
import { FgaEngine } from '../src/embedded/fga/engine.js';
import { listen } from '../src/embedded/fga/http/server.js';
import type { TupleKey } from '../src/embedded/fga/tuple-key.js';
import { silentLogger } from '../src/log.js';
import { openDatabase } from '../src/store/sqlite/database.js';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  baseline?: string;
  ratio?: number;
}

const MODEL = readFileSync(new URL('../authz/model.fga', import.meta.url), 'utf8');
/** The preshared key of the benchmarked API (every request is authenticated, as in production). */
const BENCH_API_KEY = 'bench-fga-api-key-0123456789';
const CTX = { current_time: '2026-06-01T00:00:00Z' };

function* dataset(total: number): Generator<TupleKey> {
  const folders = 100;
  const groups = 20;
  const users = Math.max(1000, Math.floor(total / 20));
  for (let d = 0; d < 4; d++) yield { user: 'organization:org_acme', relation: 'organization', object: `folder:dept${d}` };
  for (let f = 0; f < folders; f++) {
    yield { user: `folder:dept${f % 4}`, relation: 'parent', object: `folder:f${f}` };
    yield { user: `group:g${Math.floor(f / 10)}#member`, relation: "editor", object: `folder:f${f}` };
  }
  for (let u = 0; u < users; u++) yield { user: `user:u${u}`, relation: 'member', object: `group:g${u % groups}` };
  let emitted = 4 + folders * 2 + users;
  const docs = Math.floor((total - emitted) * 0.95);
  for (let i = 0; i < docs; i++) yield { user: `folder:f${i % folders}`, relation: 'parent', object: `document:d${i}` };
  emitted += docs;
  for (let i = 0; emitted < total; i++, emitted++) yield { user: `user:u${(i * 7) % users}`, relation: 'viewer', object: `document:d${(i * 13) % docs}` };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function timeEach(n: number, run: (i: number) => void): { p50: number; p99: number; perSecond: number } {
  const samples: number[] = [];
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    run(i);
    samples.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  const total = Number(process.hrtime.bigint() - start) / 1e9;
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), perSecond: n / total };
}

async function timeEachAsync(n: number, run: (i: number) => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await run(i);
    samples.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) };
}

/** Heap in use after a full collection (the flag is set at run time, so no node option is needed). */
function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

interface Measured {
  readonly label: string;
  readonly checkP50: number;
  readonly listObjectsP50: number;
  readonly listed: number;
  readonly load: number;
  readonly heap: number;
}

/** Whole lists: neither the API's 1000-result cap nor its 3 s ListObjects deadline. */
const ENGINE_LIMITS = { listObjectsMaxResults: 1_000_000, listObjectsDeadlineMs: Infinity };

async function benchAt(total: number, withHttp: boolean): Promise<{ results: BenchResult[]; m: Measured }> {
  const label = total >= 1_000_000 ? `${total / 1_000_000}M` : `${total / 1000}k`;
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-fga-bench-'));
  const results: BenchResult[] = [];
  let m: Measured | undefined;
  try {
    let db = openDatabase(join(dir, 'gatehouse.db'));
    let engine = new FgaEngine(db, ENGINE_LIMITS);
    const store = engine.createStore('bench');
    const modelId = engine.writeAuthorizationModel(store.id, dslToModel(MODEL));
    const t0 = performance.now();
    let batch: TupleKey[] = [];
    const flush = () => {
      engine.write(store.id, { authorizationModelId: modelId, writes: batch, deletes: [], onDuplicate: 'error', onMissing: 'error' });
      batch = [];
    };
    for (const t of dataset(total)) {
      batch.push(t);
      if (batch.length === engine.limits.maxTuplesPerWrite) flush();
    }
    if (batch.length) flush();
    const load = Math.round(performance.now() - t0);
    results.push({ name: `fga load ${label} tuples (write API, 100/write, SQLite write-through)`, value: load, unit: 'ms' });

    db.close();
    const t1 = performance.now();
    db = openDatabase(join(dir, 'gatehouse.db'));
    engine = new FgaEngine(db, ENGINE_LIMITS);
    results.push({ name: `fga restart ${label} (rebuild index from SQLite)`, value: Math.round(performance.now() - t1), unit: 'ms' });
    const heap = heapAfterGc();
    results.push({ name: `fga heap after restart @${label} (whole process)`, value: Math.round(heap / 1e6), unit: 'MB' });

    const users = Math.max(1000, Math.floor(total / 20));
    const docs = Math.floor((total - 4 - 200 - users) * 0.95);
    const check = (i: number) =>
      engine.check(store.id, {
        tupleKey: { user: `user:u${(i * 7919) % users}`, relation: 'viewer', object: `document:d${(i * 104729) % docs}` },
        context: CTX,
      });
    timeEach(5000, check); // warm-up
    const c = timeEach(50_000, check);
    results.push({ name: `fga check in-process p50 @${label}`, value: round(c.p50), unit: 'µs', baseline: 'target <= 20 µs @100k', ratio: round(c.p50 / 20) });
    results.push({ name: `fga check in-process p99 @${label}`, value: round(c.p99), unit: 'µs' });
    results.push({ name: `fga check in-process throughput @${label}`, value: Math.round(c.perSecond), unit: 'checks/s' });

    const lo = () => engine.listObjects(store.id, { user: 'user:u0', relation: 'viewer', type: 'document', context: CTX });
    const count = lo().objects.length;
    const l = timeEach(10, lo);
    results.push({
      name: `fga list-objects in-process p50 @${label} (${count} objects)`,
      value: round(l.p50 / 1000),
      unit: 'ms',
      baseline: 'target <= 50 ms per 10k objects',
      ratio: round(l.p50 / 1000 / (50 * (count / 10_000))),
    });
    m = { label, checkP50: c.p50, listObjectsP50: l.p50 / 1000, listed: count, load, heap };

    if (withHttp) {
      const server = await listen(engine, '127.0.0.1', 0, silentLogger, { apiKeys: [BENCH_API_KEY] });
      try {
        const client = new OpenFgaClient({
          apiUrl: server.url,
          storeId: store.id,
          authorizationModelId: modelId,
          credentials: { method: CredentialsMethod.ApiToken, config: { token: BENCH_API_KEY } },
        });
        const httpCheck = (i: number) =>
          client.check({ user: `user:u${(i * 7919) % users}`, relation: 'viewer', object: `document:d${(i * 104729) % docs}`, context: CTX });
        await timeEachAsync(300, httpCheck);
        const h = await timeEachAsync(3000, httpCheck);
        results.push({ name: `fga check HTTP (@openfga/sdk, loopback) p50 @${label}`, value: round(h.p50 / 1000), unit: 'ms', baseline: 'target <= 1 ms', ratio: round(h.p50 / 1000) });
        results.push({ name: `fga check HTTP p50 / in-process p50 @${label}`, value: round(h.p50 / c.p50), unit: 'x', baseline: `in-process p50 ${round(c.p50)} µs`, ratio: round(h.p50 / c.p50) });
        results.push({ name: `fga check HTTP p99 @${label}`, value: round(h.p99 / 1000), unit: 'ms' });
        const conc = 16;
        const n = 4000;
        const t2 = performance.now();
        let next = 0;
        await Promise.all(Array.from({ length: conc }, async () => {
          while (next < n) await httpCheck(next++);
        }));
        results.push({ name: `fga check HTTP throughput @${label} (16 in flight)`, value: Math.round(n / ((performance.now() - t2) / 1000)), unit: 'checks/s' });
        const hl = await timeEachAsync(5, () => client.listObjects({ user: 'user:u0', relation: 'viewer', type: 'document', context: CTX }));
        results.push({
          name: `fga list-objects HTTP p50 @${label} (${count} objects)`,
          value: round(hl.p50 / 1000),
          unit: 'ms',
          baseline: `in-process ${round(l.p50 / 1000)} ms`,
          ratio: round(hl.p50 / l.p50),
        });
      } finally {
        await server.close();
      }
    }
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { results, m: m! };
}

const round = (x: number) => Math.round(x * 100) / 100;

/** The 1M rows against the 100k ones: how each cost grows with 10x the tuples. */
function scaling(big: Measured, small: Measured): BenchResult[] {
  const row = (what: string, b: number, s: number, unit: string): BenchResult => ({
    name: `fga ${what} ${big.label} / ${small.label}`,
    value: round(b / s),
    unit: 'x',
    baseline: `${round(s)} ${unit} @${small.label}`,
    ratio: round(b / s),
  });
  return [
    row('load', big.load, small.load, 'ms'),
    row('heap', big.heap / 1e6, small.heap / 1e6, 'MB'),
    row('check in-process p50', big.checkP50, small.checkP50, 'µs'),
    row(`list-objects in-process p50 (${big.listed} vs ${small.listed} objects)`, big.listObjectsP50, small.listObjectsP50, 'ms'),
  ];
}

export async function run(): Promise<BenchResult[]> {
  const small = await benchAt(100_000, true);
  const results = [...small.results];
  if (process.env.GATEHOUSE_BENCH_FGA_1M !== '0') {
    const big = await benchAt(1_000_000, false);
    results.push(...big.results, ...scaling(big.m, small.m));
  }
  return results;
}
