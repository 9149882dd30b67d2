/**
 * Several instances on one store: throughput of CLIENTS concurrent clients (tools/call whoami and
 * search_documents in turn, plain JSON-RPC over fetch with bearer tokens) spread round-robin over 1, 2
 * and 3 Gatehouse instances, for each way the instances can share their state (STORES), as ratios to
 * one instance on the shared SQLite data directory. The shared services (authorization server, FGA
 * API, demo Google APIs) run in this process; the instances are child processes trusting them (see
 * test/helpers/instances.ts). On a 2-core machine more instances add no cores: the point is what each
 * call costs in the store, not scaling.
 *
 * And the audit append on each store: sequential appends through the hash chain on a file-backed
 * SQLite database (WAL) and on PostgreSQL (a throwaway cluster from Debian's binaries, the append's
 * advisory lock and transaction per entry).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditLog } from '../src/audit/audit-log.js';
import { createPostgresAuditStore } from '../src/store/postgres/audit-store.js';
import { createPostgresPool } from '../src/store/postgres/database.js';
import { createSqliteAuditStore } from '../src/store/sqlite/audit-store.js';
import { openDatabase } from '../src/store/sqlite/database.js';
import { startTestGatehouse } from '../test/helpers/bootstrap.js';
import { openSharedStore, startInstances, startTraceSink, stopInstances, type SharedStoreKind } from '../test/helpers/instances.js';
import { callTool, jsonRpcOf, rpc, tokenFor } from '../test/helpers/mcp-client.js';
import { startTestPostgres } from '../test/helpers/postgres.js';
import { percentile, type BenchResult } from './index.js';

const CLIENTS = 16;
const CALLS_PER_CLIENT = 60;
const WARMUP_PER_CLIENT = 10;
const INSTANCE_COUNTS = [1, 2, 3] as const;
const ROUNDS = 2;
const APPENDS = 3000;
const APPEND_WARMUP = 300;

/** How the instances share their state, each measured in turn; the first is the baseline of the ratios. */
const STORES: readonly SharedStoreKind[] = ['sqlite', 'postgres'];

export async function run(): Promise<BenchResult[]> {
  return [...(await throughputRows()), ...(await auditAppendRows())];
}

async function throughputRows(): Promise<BenchResult[]> {
  const services = await startTestGatehouse();
  const sink = await startTraceSink();
  try {
    const token = await tokenFor(services, 'alice', 'identity:read docs:read');
    const samples: Record<string, { tput: number[]; lat: number[] }> = {};
    for (const kind of STORES) {
      const store = await openSharedStore(kind, services);
      try {
        for (let r = 0; r < ROUNDS; r++) {
          for (const n of r % 2 ? [...INSTANCE_COUNTS].reverse() : INSTANCE_COUNTS) {
            const instances = await startInstances(services, store, n, { traceSinkUrl: sink.url });
            try {
              const urls = instances.map((i) => i.mcpUrl);
              await load(urls, token, WARMUP_PER_CLIENT);
              const m = await load(urls, token, CALLS_PER_CLIENT);
              const key = `${kind}.${n}`;
              samples[key] ??= { tput: [], lat: [] };
              samples[key].tput.push(m.tput);
              samples[key].lat.push(...m.lat);
            } finally {
              await stopInstances(instances);
            }
          }
        }
      } finally {
        await store.close();
      }
    }
    const name = (key: string, what: string) => {
      const [store, n] = key.split('.');
      return `instances.${store}.${n}-instance${n === '1' ? '' : 's'}.${what}`;
    };
    const base = `${STORES[0]}.1`;
    const baseTput = mean(samples[base]!.tput);
    const baseP50 = percentile([...samples[base]!.lat].sort((a, b) => a - b), 50);
    const rows: BenchResult[] = [];
    for (const [key, s] of Object.entries(samples)) {
      const tput = mean(s.tput);
      const p50 = percentile([...s.lat].sort((a, b) => a - b), 50);
      const isBase = key === base;
      rows.push({ name: name(key, 'throughput'), value: tput, unit: 'calls/s', ...(isBase ? {} : { baseline: name(base, 'throughput'), ratio: tput / baseTput }) });
      rows.push({ name: name(key, 'p50'), value: p50, unit: 'ms', ...(isBase ? {} : { baseline: name(base, 'p50'), ratio: p50 / baseP50 }) });
    }
    return rows;
  } finally {
    await sink.close();
    await services.stop();
  }
}

/** CLIENTS clients, client k on instance k mod n, each `perClient` calls in a row; every call must succeed. */
async function load(urls: string[], token: string, perClient: number): Promise<{ tput: number; lat: number[] }> {
  const lat: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, k) => {
      const url = urls[k % urls.length]!;
      for (let i = 0; i < perClient; i++) {
        const [tool, args] = i % 2 ? ['search_documents', { query: 'budget', k: 5 }] : ['whoami', {}];
        const s = performance.now();
        const msg = await jsonRpcOf(await rpc(url, callTool(tool, args, i + 1), { authorization: `Bearer ${token}` }));
        lat.push(performance.now() - s);
        if (!msg.result || msg.result.isError) throw new Error(`${tool} failed during the benchmark: ${JSON.stringify(msg).slice(0, 200)}`);
      }
    }),
  );
  return { tput: (CLIENTS * perClient) / ((performance.now() - t0) / 1000), lat };
}

const entryData = (i: number) => ({ sub: `user${i % 200}`, client: 'bench', tool: 'whoami', result: 'ok', digest: 'x'.repeat(43), decisions: [{ gate: 'scopes', decision: 'allow' }] });

async function auditAppendRows(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-instances-'));
  const db = openDatabase(join(dir, 'audit.db'));
  const postgres = await startTestPostgres();
  const pool = createPostgresPool(await postgres.createMigratedDatabase(), { max: 2 });
  try {
    const sqliteLog = createAuditLog(createSqliteAuditStore(db));
    const pgLog = createAuditLog(createPostgresAuditStore(pool));
    let n = 0;
    for (let i = 0; i < APPEND_WARMUP; i++) {
      await sqliteLog.append('tool_call', entryData(n++));
      await pgLog.append('tool_call', entryData(n++));
    }
    const sqliteUs: number[] = [];
    const pgUs: number[] = [];
    // Interleaved in blocks so machine noise hits both.
    const BLOCK = 500;
    for (let done = 0; done < APPENDS; done += BLOCK) {
      for (let i = 0; i < BLOCK; i++) {
        const t0 = process.hrtime.bigint();
        await sqliteLog.append('tool_call', entryData(n++));
        sqliteUs.push(Number(process.hrtime.bigint() - t0) / 1000);
      }
      for (let i = 0; i < BLOCK; i++) {
        const t0 = process.hrtime.bigint();
        await pgLog.append('tool_call', entryData(n++));
        pgUs.push(Number(process.hrtime.bigint() - t0) / 1000);
      }
    }
    if (!(await sqliteLog.verify({ full: true, record: false })).ok) throw new Error('the SQLite bench log does not verify');
    if (!(await pgLog.verify({ full: true, record: false })).ok) throw new Error('the PostgreSQL bench log does not verify');
    const p50 = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
    const label = (store: string, what: string) => `audit append on ${store} (${what})`;
    return [
      { name: label('SQLite', 'appends/s'), value: 1e6 / mean(sqliteUs), unit: 'appends/s' },
      { name: label('PostgreSQL', 'appends/s'), value: 1e6 / mean(pgUs), unit: 'appends/s', baseline: label('SQLite', 'appends/s'), ratio: mean(sqliteUs) / mean(pgUs) },
      { name: label('SQLite', 'p50'), value: p50(sqliteUs), unit: 'µs' },
      { name: label('PostgreSQL', 'p50'), value: p50(pgUs), unit: 'µs', baseline: label('SQLite', 'p50'), ratio: p50(pgUs) / p50(sqliteUs) },
    ];
  } finally {
    await pool.end();
    await postgres.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
