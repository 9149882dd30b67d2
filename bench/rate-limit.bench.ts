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
import type { ToolCall } from '../src/gates/gate.js';
import { rateLimitGate } from '../src/gates/rate-limit.js';
import { scopesGate } from '../src/gates/scopes.js';
import { BearerCredential } from '../src/identity/caller.js';
import { createPostgresPool } from '../src/store/postgres/database.js';
import { createPostgresRateLimitStore } from '../src/store/postgres/rate-limit-store.js';
import type { RateLimitStore } from '../src/store/ports/rate-limit-store.js';
import { openDatabase } from '../src/store/sqlite/database.js';
import { createSqliteRateLimitStore } from '../src/store/sqlite/rate-limit-store.js';
import { defineTool, type AnyTool } from '../src/tools/define.js';
import { startTestPostgres } from '../test/helpers/postgres.js';
import { percentile, type BenchResult } from './index.js';

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
  const ran = async () => ({ text: 'ok' });
  let n = 0;
  const once = async (tool: AnyTool): Promise<number> => {
    const c = call(tool, `user${n++ % USERS}`);
    const t0 = process.hrtime.bigint();
    const walked = await chain.walk(c, ran);
    if (!walked.ok) throw walked.error;
    return Number(process.hrtime.bigint() - t0) / 1000;
  };
  for (let i = 0; i < WARMUP; i++) await once(limited), await once(plain);
  const samples: Record<'plain' | 'limited', number[]> = { plain: [], limited: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const order: ('plain' | 'limited')[] = r % 2 ? ['limited', 'plain'] : ['plain', 'limited'];
    for (const name of order) for (let i = 0; i < calls / ROUNDS; i++) samples[name].push(await once(name === 'plain' ? plain : limited));
  }
  const stat = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return { p50: percentile(s, 50), p99: percentile(s, 99), mean: s.reduce((a, b) => a + b, 0) / s.length };
  };
  const p = stat(samples.plain);
  const l = stat(samples.limited);
  const name = (what: string) => `rate limit (${label}): ${what}`;
  const rows: BenchResult[] = [];
  for (const k of ['p50', 'mean', 'p99'] as const) {
    rows.push({ name: name(`gated call without rateLimit (${k})`), value: p[k], unit: 'µs' });
    rows.push({ name: name(`gated call with rateLimit (${k})`), value: l[k], unit: 'µs', baseline: name(`gated call without rateLimit (${k})`), ratio: l[k] / p[k] });
  }
  for (const k of ['p50', 'mean'] as const) rows.push({ name: name(`check + record per call (${k} difference)`), value: l[k] - p[k], unit: 'µs' });
  return rows;
}

function call(tool: AnyTool, sub: string): ToolCall {
  return {
    tool,
    args: {},
    caller: { kind: 'user', sub, clientId: 'bench', scopes: [], permissions: [], issuer: 'bench', expiresAt: 0 },
    credential: new BearerCredential('bench'),
    resource: 'bench',
    digest: 'bench',
    signal: new AbortController().signal,
    progress: async () => {},
  };
}
