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
import { rateLimitGate } from '../src/gates/rate-limit.js';
import { scopesGate } from '../src/gates/scopes.js';
import { createBudgetStore } from '../src/store/sqlite/budget-store.js';
import { openDatabase } from '../src/store/sqlite/database.js';
import { createSqliteRateLimitStore } from '../src/store/sqlite/rate-limit-store.js';
import { defineTool } from '../src/tools/define.js';
import { gateCost, gateCostRows } from './gate-cost.js';
import type { BenchResult } from './index.js';

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
    const cost = await gateCost(chain, plain, budgeted, { users: USERS, warmup: WARMUP, rounds: ROUNDS, calls: CALLS, args: { amount: 1.5, currency: 'USD' } });
    const name = (what: string) => `budget (${label}): ${what}`;
    const rows = gateCostRows(name, 'budget', cost);
    for (const k of ['p50', 'mean'] as const) {
      const added = cost.gated[k] - cost.plain[k];
      rows.push({ name: name(`budget check + reservation per call (${k} difference)`), value: added, unit: 'µs', baseline: `target ${TARGET_US} µs`, ratio: added / TARGET_US });
    }
    return rows;
  } finally {
    db.close();
  }
}
