/**
 * The rate limit's cost per gated call: the gate chain in-process (callers, scopes, rate limit, the
 * rest skipping) for a tool with a `rateLimit` — one check-and-record in the Store — against the same
 * tool without one, rounds interleaved, on a file-backed SQLite Store (WAL), an in-memory one (the
 * check's CPU cost without the commit) and a PostgreSQL database on loopback (Debian's binaries, as the
 * tests start them). 200 callers, each kept under its limit, so every call is counted and recorded.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { callersGate } from '../src/gates/callers.js';
import { approvalNotConfigured, buildChain, requireNoPolicy } from '../src/gates/chain.js';
import { rateLimitGate } from '../src/gates/rate-limit.js';
import { scopesGate } from '../src/gates/scopes.js';
import { createPostgresPool } from '../src/store/postgres/database.js';
import { createPostgresRateLimitStore } from '../src/store/postgres/rate-limit-store.js';
import type { RateLimitStore } from '../src/store/ports/rate-limit-store.js';
import { openDatabase } from '../src/store/sqlite/database.js';
import { createSqliteRateLimitStore } from '../src/store/sqlite/rate-limit-store.js';
import { defineTool } from '../src/tools/define.js';
import { startTestPostgres } from '../test/helpers/postgres.js';
import { gateCost, gateCostRows } from './gate-cost.js';
import type { BenchResult } from './index.js';

const USERS = 200;
const ROUNDS = 4;
const WARMUP = 400;

const input = z.object({});
const plain = defineTool({ name: 'ping_plain', description: 'bench', input, scopes: [], risk: 'low', run: async () => ({ text: 'ok' }) });
const limited = defineTool({ name: 'ping_limited', description: 'bench', input, scopes: [], risk: 'low', rateLimit: { perMinute: 1_000_000 }, run: async () => ({ text: 'ok' }) });

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-rate-limit-'));
  const results: BenchResult[] = [];
  try {
    const file = openDatabase(join(dir, 'gatehouse.db'));
    results.push(...(await measure(createSqliteRateLimitStore(file), 'SQLite file', 10_000)));
    file.close();
    const memory = openDatabase(':memory:');
    results.push(...(await measure(createSqliteRateLimitStore(memory), 'SQLite in-memory', 10_000)));
    memory.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const postgres = await startTestPostgres();
  try {
    const pool = createPostgresPool(await postgres.createMigratedDatabase(), { max: 4 });
    try {
      results.push(...(await measure(createPostgresRateLimitStore(pool), 'PostgreSQL', 4_000)));
    } finally {
      await pool.end();
    }
  } finally {
    await postgres.stop();
  }
  return results;
}

async function measure(store: RateLimitStore, label: string, calls: number): Promise<BenchResult[]> {
  const pass = requireNoPolicy('skip', () => false);
  const chain = buildChain({ callers: callersGate, scopes: scopesGate, rateLimit: rateLimitGate(store), authorize: pass, connect: pass, budget: pass, approve: approvalNotConfigured });
  const cost = await gateCost(chain, plain, limited, { users: USERS, warmup: WARMUP, rounds: ROUNDS, calls, args: {} });
  const name = (what: string) => `rate limit (${label}): ${what}`;
  const rows = gateCostRows(name, 'rateLimit', cost);
  for (const k of ['p50', 'mean'] as const) rows.push({ name: name(`check + record per call (${k} difference)`), value: cost.gated[k] - cost.plain[k], unit: 'µs' });
  return rows;
}
