/**
 * One rate limit across every instance on the Store. An attacker (or a runaway agent) spreads calls of
 * a rate-limited tool over two Gatehouse servers behind one load balancer: the servers share a Store
 * (one PostgreSQL database, or one SQLite data directory) and must refuse at the tool's declared limit
 * in total, not at the limit per server. Instance B trusts A's embedded authorization server and FGA
 * API, as a second instance does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startGatehouse, type Gatehouse } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { defineTool } from '../../src/tools/define.js';
import { errorCodeOf, textOf } from '../helpers/approvals.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { sharedPostgresStore, trustingEnv, type SharedStore } from '../helpers/instances.js';
import { callTool, jsonRpcOf, rpc, tokenFor } from '../helpers/mcp-client.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';

const PER_MINUTE = 4;
const runs: string[] = [];
const limitedPing = defineTool({
  name: 'limited_ping',
  description: `test tool: ${PER_MINUTE} calls per minute`,
  input: z.object({ note: z.string() }).strict(),
  scopes: ['identity:read'],
  risk: 'low',
  rateLimit: { perMinute: PER_MINUTE },
  async run(a) {
    runs.push(a.note);
    return { text: 'pong' };
  },
});

interface Answer {
  readonly status: number;
  /** `ok`, the tool error's code, or the JSON-RPC error code. */
  readonly outcome: string;
  readonly retryAfter?: number;
  readonly text: string;
}

async function call(mcpUrl: string, token: string, name: string, args: Record<string, unknown>, id: number): Promise<Answer> {
  const res = await rpc(mcpUrl, callTool(name, args, id), { authorization: `Bearer ${token}` });
  const msg = await jsonRpcOf(res);
  if (msg.error) return { status: res.status, outcome: `jsonrpc ${msg.error.code}`, text: msg.error.message };
  const result = msg.result!;
  const error = (result.structuredContent as { error?: { retry_after?: number } } | undefined)?.error;
  return {
    status: res.status,
    outcome: result.isError ? (errorCodeOf(result) ?? 'error') : 'ok',
    ...(error?.retry_after === undefined ? {} : { retryAfter: error.retry_after }),
    text: textOf(result),
  };
}

describe.each(['sqlite', 'postgres'] as const)('two instances on one %s Store: one rate limit', (kind) => {
  let postgres: TestPostgres | undefined;
  let shared: SharedStore | undefined;
  let a: TestGatehouse;
  let b: Gatehouse;
  let instances: [string, string];

  beforeAll(async () => {
    if (kind === 'postgres') {
      postgres = await startTestPostgres();
      shared = await sharedPostgresStore(postgres);
    }
    const first = shared?.instanceEnv(0);
    a = await startTestGatehouse({ GATEHOUSE_APPROVAL_WAIT_SECONDS: '0', ...first }, { extraTools: [limitedPing], ...(first ? { dataDir: first.GATEHOUSE_DATA_DIR } : {}) });
    const second = shared ? shared.instanceEnv(1) : { GATEHOUSE_DATA_DIR: a.dataDir };
    // B starts no stand-in of its own (so, on PostgreSQL, no SQLite file at all): started as the CLI does.
    const config = loadConfig({ ...trustingEnv(a), GATEHOUSE_PORT: '0', GATEHOUSE_LOG_LEVEL: 'silent', GATEHOUSE_APPROVAL_WAIT_SECONDS: '0', ...second });
    b = await startGatehouse(config, { logger: silentLogger, extraTools: [limitedPing] });
    expect([a.stores.kind, b.stores.kind]).toEqual([kind, kind]);
    instances = [a.mcpUrl, b.mcpUrl];
  });
  afterAll(async () => {
    await b?.close();
    await a?.stop();
    await shared?.close();
    await postgres?.stop();
  });

  it(`calls alternating between the two are refused after ${PER_MINUTE} in total, with rate_limited and retry_after; the refused ones do not run`, async () => {
    runs.length = 0;
    const token = await tokenFor(a, 'alice', 'identity:read');
    const answers: Answer[] = [];
    for (let i = 0; i < 2 * PER_MINUTE + 2; i++) answers.push(await call(instances[i % 2]!, token, 'limited_ping', { note: `n${i}` }, i + 1));
    expect(answers.map((x) => x.outcome)).toEqual([...Array<string>(PER_MINUTE).fill('ok'), ...Array<string>(PER_MINUTE + 2).fill('rate_limited')]);
    expect(runs).toEqual(Array.from({ length: PER_MINUTE }, (_, i) => `n${i}`));
    for (const refused of answers.slice(PER_MINUTE)) {
      expect(refused.status).toBe(200);
      expect(refused.retryAfter).toBeGreaterThanOrEqual(1);
      expect(refused.retryAfter).toBeLessThanOrEqual(60);
      expect(refused.text).toBe(`This tool allows ${PER_MINUTE} calls per minute per caller; retry after ${refused.retryAfter} s. Nothing was run. [rate_limited]`);
    }
    // Another caller has a limit of its own, on either instance.
    const bob = await tokenFor(a, 'bob', 'identity:read');
    expect((await call(b.mcpUrl, bob, 'limited_ping', { note: 'bob' }, 99)).outcome).toBe('ok');
  });

  it(`${3 * PER_MINUTE} calls fired at once, half at each instance: exactly ${PER_MINUTE} run, the rest rate_limited`, async () => {
    runs.length = 0;
    const token = await tokenFor(a, 'carol', 'identity:read');
    const answers = await Promise.all(Array.from({ length: 3 * PER_MINUTE }, (_, i) => call(instances[i % 2]!, token, 'limited_ping', { note: `c${i}` }, i + 1)));
    expect(answers.filter((x) => x.outcome === 'ok')).toHaveLength(PER_MINUTE);
    expect(answers.filter((x) => x.outcome === 'rate_limited')).toHaveLength(2 * PER_MINUTE);
    expect(runs).toHaveLength(PER_MINUTE);
  });

  it('send_email (10 a minute): 14 calls spread over both instances, exactly the last 4 refused with rate_limited', async () => {
    const token = await tokenFor(a, 'carol', 'email:send');
    const args = { to: ['someone@example.com'], subject: 'hi', body: 'hello' };
    const answers: Answer[] = [];
    for (let i = 0; i < 14; i++) answers.push(await call(instances[i % 2]!, token, 'send_email', args, i + 1));
    // Calls that pass the rate-limit gate are stopped later (carol has no connected Gmail: a URL elicitation, -32042): they count all the same.
    expect(answers.slice(0, 10).map((x) => x.outcome)).toEqual(Array<string>(10).fill('jsonrpc -32042'));
    expect(answers.slice(10).map((x) => [x.outcome, x.retryAfter !== undefined && x.retryAfter >= 1 && x.retryAfter <= 60])).toEqual(Array.from({ length: 4 }, () => ['rate_limited', true]));
  });
});
