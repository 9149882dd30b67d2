import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from '../../src/tools/define.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { rawRequest } from '../helpers/fga.js';
import { connectWithToken, tokenFor } from '../helpers/mcp-client.js';

/** A tool with a budget it refuses to exceed: 100 USD a day. */
const spend = defineTool({
  name: 'spend',
  description: 'Spends an amount (test tool).',
  input: z.object({ amount: z.number() }),
  scopes: [],
  risk: 'medium',
  budget: { amount: (a) => ({ value: a.amount, currency: 'USD' }), limit: { USD: 100 }, windowSeconds: 86_400, over: 'refuse' },
  run: async () => ({ text: 'spent' }),
});

const origin = (gh: TestGatehouse) => new URL(gh.mcpUrl).origin;
const port = (gh: TestGatehouse) => new URL(gh.mcpUrl).port;

/** The value of one sample line, `name{labels} value`, exactly as Prometheus reads it. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/readyz and /metrics on the MCP port', () => {
  let gh: TestGatehouse;
  let alice: Client;
  beforeAll(async () => {
    gh = await startTestGatehouse({}, { extraTools: [spend] });
    alice = await connectWithToken(gh.mcpUrl, await tokenFor(gh, 'alice'));
  });
  afterAll(async () => {
    await alice?.close();
    await gh?.stop();
  });

  it('/readyz: 200 {status: ready} with each dependency checked, no secrets; /healthz stays liveness', async () => {
    const r = await fetch(`${origin(gh)}/readyz`);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(await r.json()).toEqual({ status: 'ready', checks: { store: { status: 'ok' }, keys: { status: 'ok' }, fga: { status: 'ok' }, vault: { status: 'ok' } } });
    expect(await (await fetch(`${origin(gh)}/healthz`)).json()).toEqual({ status: 'ok' });
  });

  it('/metrics (from loopback): calls by tool and outcome, gate latencies, upstream calls, circuit states, approvals pending, budget refusals', async () => {
    expect((await alice.callTool({ name: 'whoami', arguments: {} })).isError).toBeFalsy();
    expect((await alice.callTool({ name: 'read_document', arguments: { id: 'engineering-budget-2026' } })).isError).toBeFalsy();
    expect((await alice.callTool({ name: 'read_document', arguments: { id: 'q3-budget' } })).structuredContent).toMatchObject({ error: { code: 'forbidden' } });
    expect((await alice.callTool({ name: 'spend', arguments: { amount: 60 } })).isError).toBeFalsy();
    expect((await alice.callTool({ name: 'spend', arguments: { amount: 60 } })).structuredContent).toMatchObject({ error: { code: 'budget_exceeded' } });

    const r = await fetch(`${origin(gh)}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await r.text();
    expect(sample(text, 'gatehouse_tool_calls_total{tool="whoami",outcome="ok"}')).toBe(1);
    expect(sample(text, 'gatehouse_tool_calls_total{tool="read_document",outcome="ok"}')).toBe(1);
    expect(sample(text, 'gatehouse_tool_calls_total{tool="read_document",outcome="forbidden"}')).toBe(1);
    expect(sample(text, 'gatehouse_tool_calls_total{tool="spend",outcome="ok"}')).toBe(1);
    expect(sample(text, 'gatehouse_tool_calls_total{tool="spend",outcome="budget_exceeded"}')).toBe(1);
    expect(sample(text, 'gatehouse_budget_refusals_total{tool="spend"}')).toBe(1);
    expect(sample(text, 'gatehouse_gate_duration_seconds_count{gate="authorize",decision="allow"}')).toBe(1);
    expect(sample(text, 'gatehouse_gate_duration_seconds_count{gate="authorize",decision="deny"}')).toBe(1);
    expect(sample(text, 'gatehouse_gate_duration_seconds_count{gate="scopes",decision="allow"}')).toBe(5);
    expect(sample(text, 'gatehouse_gate_duration_seconds_bucket{le="+Inf",gate="authorize",decision="allow"}')).toBe(1);
    expect(sample(text, 'gatehouse_upstream_calls_total{upstream="fga",outcome="ok"}')).toBeGreaterThanOrEqual(2);
    expect(text).not.toMatch(/gatehouse_upstream_errors_total\{/);
    for (const upstream of ['fga', 'vault', 'my_account', 'ciba']) expect(sample(text, `gatehouse_upstream_circuit_state{upstream="${upstream}"}`)).toBe(0);
    expect(sample(text, 'gatehouse_approvals_pending')).toBe(0);
    expect(text).toMatch(/^# TYPE gatehouse_upstream_bulkhead_rejections_total counter$/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    // Labels are tool, gate, upstream and outcome names: never a user, an argument or a token.
    expect(text).not.toMatch(/alice|engineering-budget-2026|q3-budget|Bearer/);
  });

  it('both sit behind the Host/Origin guard', async () => {
    for (const path of ['/readyz', '/metrics']) {
      const r = await rawRequest(`${origin(gh)}${path}`, { headers: { host: `evil.example:${port(gh)}` } });
      expect(r.status).toBe(403);
      const o = await rawRequest(`${origin(gh)}${path}`, { headers: { host: `127.0.0.1:${port(gh)}`, origin: 'https://evil.example' } });
      expect(o.status).toBe(403);
    }
  });
});

describe('/readyz when the authorization server goes away', () => {
  it('signing keys already fetched stay `ok` (cached); the vault (authorization server) is named as failing', async () => {
    const gh = await startTestGatehouse();
    try {
      // A verified call caches the issuer's key set.
      const alice = await connectWithToken(gh.mcpUrl, await tokenFor(gh, 'alice'));
      expect((await alice.callTool({ name: 'whoami', arguments: {} })).isError).toBeFalsy();
      await alice.close();
      await gh.authServer!.close();
      await new Promise((r) => setTimeout(r, 1100)); // past the one-second report cache
      const r = await fetch(`${origin(gh)}/readyz`);
      expect(r.status).toBe(503);
      expect(await r.json()).toEqual({
        status: 'not_ready',
        failing: ['vault'],
        checks: { store: { status: 'ok' }, keys: { status: 'ok' }, fga: { status: 'ok' }, vault: { status: 'failing', reason: 'unavailable' } },
      });
    } finally {
      await gh.stop();
    }
  });

  it('keys never fetched and the authorization server down: `keys` fails too', async () => {
    const gh = await startTestGatehouse();
    try {
      await gh.authServer!.close();
      const r = await fetch(`${origin(gh)}/readyz`);
      expect(r.status).toBe(503);
      expect(await r.json()).toMatchObject({ status: 'not_ready', failing: ['keys', 'vault'], checks: { keys: { status: 'failing', reason: 'unavailable' } } });
    } finally {
      await gh.stop();
    }
  });
});

describe('who may read /metrics (it reveals tool names and call rates)', () => {
  it('without a metrics key, only loopback clients: a client on another address gets 403 (readiness stays open)', async () => {
    const address = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    if (!address) throw new Error('this test needs a non-loopback IPv4 address on this machine');
    const gh = await startTestGatehouse({ GATEHOUSE_HOST: '0.0.0.0' });
    try {
      const headers = { host: `127.0.0.1:${port(gh)}` };
      const remote = await rawRequest(`http://${address}:${port(gh)}/metrics`, { headers });
      expect(remote.status).toBe(403);
      expect(remote.json()).toEqual({ error: 'forbidden', error_description: 'The metrics endpoint answers loopback clients only (set a metrics key to allow others).' });
      // Readiness is not restricted: it answers with its report (whatever the dependencies' state).
      const ready = await rawRequest(`http://${address}:${port(gh)}/readyz`, { headers });
      expect(ready.json()).toHaveProperty('checks.store', { status: 'ok' });
      expect((await rawRequest(`http://127.0.0.1:${port(gh)}/metrics`, { headers })).status).toBe(200);
    } finally {
      await gh.stop();
    }
  });

  it('with GATEHOUSE_METRICS_TOKEN, the key as a bearer token is required from everyone, loopback included', async () => {
    const key = 'metrics-key-0123456789abcdefghijklmnop';
    const gh = await startTestGatehouse({ GATEHOUSE_METRICS_TOKEN: key });
    try {
      const url = `${origin(gh)}/metrics`;
      const none = await fetch(url);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(await none.json()).toEqual({ error: 'unauthorized', error_description: 'The metrics endpoint needs the metrics key as a bearer token.' });
      expect((await fetch(url, { headers: { authorization: `Bearer ${key}x` } })).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: `Basic ${key}` } })).status).toBe(401);
      const ok = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toMatch(/^# HELP gatehouse_tool_calls_total /m);
    } finally {
      await gh.stop();
    }
  });
});
