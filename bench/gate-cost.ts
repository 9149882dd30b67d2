/**
 * What one gate adds to a call: the gate chain in-process, walking a tool the gate acts on and the same
 * tool without it, rounds interleaved so machine noise hits both, many callers in turn. Shared by the
 * budget and rate-limit benchmarks.
 */
import type { Chain } from '../src/gates/chain.js';
import type { ToolCall } from '../src/gates/gate.js';
import { BearerCredential } from '../src/identity/caller.js';
import type { AnyTool } from '../src/tools/define.js';
import { percentile, type BenchResult } from './index.js';

export interface GateCostOptions {
  readonly users: number;
  readonly warmup: number;
  readonly rounds: number;
  readonly calls: number;
  readonly args: Record<string, unknown>;
}

export interface Latency {
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
}

/** µs per walked call, for the tool without the gate's policy (`plain`) and with it (`gated`). */
export async function gateCost(chain: Chain, plain: AnyTool, gated: AnyTool, o: GateCostOptions): Promise<{ plain: Latency; gated: Latency }> {
  const ran = async () => ({ text: 'ok' });
  let n = 0;
  const once = async (tool: AnyTool): Promise<number> => {
    const c = benchCall(tool, `user${n++ % o.users}`, o.args);
    const t0 = process.hrtime.bigint();
    const walked = await chain.walk(c, ran);
    if (!walked.ok) throw walked.error;
    return Number(process.hrtime.bigint() - t0) / 1000;
  };
  for (let i = 0; i < o.warmup; i++) await once(gated), await once(plain);
  const samples = { plain: [] as number[], gated: [] as number[] };
  for (let r = 0; r < o.rounds; r++) {
    const order: ('plain' | 'gated')[] = r % 2 ? ['gated', 'plain'] : ['plain', 'gated'];
    for (const name of order) for (let i = 0; i < o.calls / o.rounds; i++) samples[name].push(await once(name === 'plain' ? plain : gated));
  }
  return { plain: latency(samples.plain), gated: latency(samples.gated) };
}

/** The p50, mean and p99 rows of both tools, the gated one as a ratio to the plain one. */
export function gateCostRows(name: (what: string) => string, policy: string, cost: { plain: Latency; gated: Latency }): BenchResult[] {
  const rows: BenchResult[] = [];
  for (const k of ['p50', 'mean', 'p99'] as const) {
    rows.push({ name: name(`gated call without ${policy} (${k})`), value: cost.plain[k], unit: 'µs' });
    rows.push({ name: name(`gated call with ${policy} (${k})`), value: cost.gated[k], unit: 'µs', baseline: name(`gated call without ${policy} (${k})`), ratio: cost.gated[k] / cost.plain[k] });
  }
  return rows;
}

function latency(xs: number[]): Latency {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

function benchCall(tool: AnyTool, sub: string, args: Record<string, unknown>): ToolCall {
  return {
    tool,
    args,
    caller: { kind: 'user', sub, clientId: 'bench', scopes: [], permissions: [], issuer: 'bench', expiresAt: 0 },
    credential: new BearerCredential('bench'),
    resource: 'bench',
    digest: 'bench',
    signal: new AbortController().signal,
    progress: async () => {},
  };
}
