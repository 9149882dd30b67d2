/**
 * The budget check's cost per gated call: the whole gate chain in-process (callers, scopes, rate limit,
 * authorize and connect skipping, budget, approve skipping) on a file-backed SQLite Store (WAL), for a
 * tool with a budget — check and reservation in one immediate transaction, then the settle — against
 * the same tool without one, in the same run, rounds interleaved. 200 users, each with up to
 * CALLS / 200 reservations in the window by the end, so the SUM over the window index is exercised.
 * The same chain on an in-memory database separates the check's CPU cost from the file commit (WAL write).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { budgetGate } from '../src/gates/budget.js';
import { callersGate } from '../src/gates/callers.js';
import { approvalNotConfigured, buildChain, requireNoPolicy } from '../src/gates/chain.js';
import type { ToolCall } from '../src/gates/gate.js';
import { rateLimitGate } from '../src/gates/rate-limit.js';
import { scopesGate } from '../src/gates/scopes.js';
import { BearerCredential } from '../src/identity/caller.js';
import { createBudgetStore } from '../src/store/sqlite/budget-store.js';
import { openDatabase } from '../src/store/sqlite/database.js';
import { createSqliteRateLimitStore } from '../src/store/sqlite/rate-limit-store.js';
import { defineTool, type AnyTool } from '../src/tools/define.js';
import { percentile, type BenchResult } from './index.js';

const USERS = 200;
const CALLS = 20_000;
const ROUNDS = 5;
const WARMUP = 1000;
const TARGET_US = 50;

const input = z.object({ amount: z.number(), currency: z.string() });
const plain = defineTool({ name: 'spend_plain', description: 'bench', input, scopes: [], risk: 'medium', run: async () => ({ text: 'ok' }) });
const budgeted = defineTool({
  name: 'spend_budgeted',
  description: 'bench',
  input,
  scopes: [],
  risk: 'medium',
  budget: { amount: (a) => ({ value: a.amount, currency: a.currency }), limit: { USD: 1e12 }, windowSeconds: 86_400, over: 'approve' },
  run: async () => ({ text: 'ok' }),
});

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-budget-'));
  try {
    return [...(await measure(join(dir, 'gatehouse.db'), 'file Store')), ...(await measure(':memory:', 'in-memory Store'))];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(file: string, label: string): Promise<BenchResult[]> {
  const db = openDatabase(file);
  try {
    const pass = requireNoPolicy('skip', () => false);
    const chain = buildChain({ callers: callersGate, scopes: scopesGate, rateLimit: rateLimitGate(createSqliteRateLimitStore(db)), authorize: pass, connect: pass, budget: budgetGate(createBudgetStore(db)), approve: approvalNotConfigured });
    const ran = async () => ({ text: 'ok' });
    let n = 0;
    const once = async (tool: AnyTool): Promise<number> => {
      const c = call(tool, `user${n++ % USERS}`);
      const t0 = process.hrtime.bigint();
      const walked = await chain.walk(c, ran);
      if (!walked.ok) throw walked.error;
      return Number(process.hrtime.bigint() - t0) / 1000;
    };
    for (let i = 0; i < WARMUP; i++) await once(budgeted), await once(plain);
    const samples: Record<'plain' | 'budgeted', number[]> = { plain: [], budgeted: [] };
    for (let r = 0; r < ROUNDS; r++) {
      const order: ('plain' | 'budgeted')[] = r % 2 ? ['budgeted', 'plain'] : ['plain', 'budgeted'];
      for (const name of order) for (let i = 0; i < CALLS / ROUNDS; i++) samples[name].push(await once(name === 'plain' ? plain : budgeted));
    }
    const stat = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return { p50: percentile(s, 50), p99: percentile(s, 99), mean: s.reduce((a, b) => a + b, 0) / s.length };
    };
    const p = stat(samples.plain);
    const b = stat(samples.budgeted);
    const name = (what: string) => `budget (${label}): ${what}`;
    const rows: BenchResult[] = [];
    for (const k of ['p50', 'mean', 'p99'] as const) {
      rows.push({ name: name(`gated call without budget (${k})`), value: p[k], unit: 'µs' });
      rows.push({ name: name(`gated call with budget (${k})`), value: b[k], unit: 'µs', baseline: name(`gated call without budget (${k})`), ratio: b[k] / p[k] });
    }
    for (const k of ['p50', 'mean'] as const) {
      const cost = b[k] - p[k];
      rows.push({ name: name(`budget check + reservation per call (${k} difference)`), value: cost, unit: 'µs', baseline: `target ${TARGET_US} µs`, ratio: cost / TARGET_US });
    }
    return rows;
  } finally {
    db.close();
  }
}

function call(tool: AnyTool, sub: string): ToolCall {
  return {
    tool,
    args: { amount: 1.5, currency: 'USD' },
    caller: { kind: 'user', sub, clientId: 'bench', scopes: [], permissions: [], issuer: 'bench', expiresAt: 0 },
    credential: new BearerCredential('bench'),
    resource: 'bench',
    digest: 'bench',
    signal: new AbortController().signal,
    progress: async () => {},
  };
}
