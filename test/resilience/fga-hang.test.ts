import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { fgaApiKey } from '../helpers/fga.js';
import { connectWithToken, tokenFor } from '../helpers/mcp-client.js';
import { startHangProxy, type HangProxy } from './hang-proxy.js';

/**
 * FGA hangs (like a SIGSTOP'd server: connections accepted, nothing answered): a loopback proxy in
 * front of a real embedded FGA stops forwarding. Gatehouse instances use that FGA as a remote OpenFGA.
 */
const DEADLINE_MS = 1000;
const openFds = () => readdirSync('/proc/self/fd').length;
type ErrorResult = { isError?: boolean; structuredContent?: { error?: { code?: string; message?: string } } };

describe('a hung FGA: calls fail with `timeout` within the deadline, then `circuit_open`, fail closed; /readyz says so', () => {
  let fgaHost: TestGatehouse;
  let proxy: HangProxy;
  const started: TestGatehouse[] = [];
  const clients: Client[] = [];

  /** A Gatehouse whose FGA is the hung one, and alice's MCP client to it. */
  async function gatehouseBehindProxy(env: Record<string, string>): Promise<{ gh: TestGatehouse; alice: Client }> {
    const gh = await startTestGatehouse({
      FGA_API_URL: proxy.url,
      FGA_STORE_ID: fgaHost.fga!.storeId,
      FGA_MODEL_ID: fgaHost.fga!.modelId,
      FGA_API_TOKEN: fgaApiKey(fgaHost.dataDir),
      GATEHOUSE_FGA_DEADLINE_MS: String(DEADLINE_MS),
      ...env,
    });
    started.push(gh);
    const alice = await connectWithToken(gh.mcpUrl, await tokenFor(gh, 'alice'));
    clients.push(alice);
    return { gh, alice };
  }
  const read = (c: Client) => c.callTool({ name: 'read_document', arguments: { id: 'engineering-budget-2026' } }) as Promise<ErrorResult>;
  const lastEntry = async (gh: TestGatehouse) => (await gh.audit.recent(5)).find((e) => e.event === 'tool_call' && e.data.tool === 'read_document');

  beforeAll(async () => {
    proxy = await startHangProxy();
    // The real FGA accepts the proxy's Host header like any name it is reached by.
    fgaHost = await startTestGatehouse({ GATEHOUSE_ALLOWED_HOSTS: `127.0.0.1:${proxy.port}` });
    proxy.target(fgaHost.fga!.url);
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    for (const gh of started) await gh.stop();
    await proxy?.close();
    await fgaHost?.stop();
  });

  it('every call fails with `timeout` within the deadline, in the tool result and its audit entry; open FDs stay bounded across 50 calls; /readyz turns 503 naming fga and back', async () => {
    const { gh, alice } = await gatehouseBehindProxy({ GATEHOUSE_BREAKER_FAILURES: '1000' });
    const base = new URL(gh.mcpUrl).origin;
    // Healthy: the check reaches FGA through the proxy and FGA allows; this instance holds no documents,
    // so the tool answers `forbidden` (an unknown document looks like a forbidden one), never an outage.
    expect((await read(alice)).structuredContent?.error?.code).toBe('forbidden');
    expect(((await lastEntry(gh))?.data.decisions as { gate: string; decision: string }[]).find((d) => d.gate === 'authorize')).toMatchObject({ decision: 'allow' });
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    // /readyz cannot be used to hammer FGA: concurrent requests share one probe, and a report is reused for a second.
    await new Promise((r) => setTimeout(r, 1100));
    const probesBefore = proxy.requests();
    const burst = await Promise.all(Array.from({ length: 20 }, () => fetch(`${base}/readyz`)));
    expect(burst.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect(proxy.requests()).toBe(probesBefore + 1);

    proxy.pause();
    const fdsBefore = openFds();
    let slowest = 0;
    for (let batch = 0; batch < 5; batch++) {
      const results = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const t0 = performance.now();
          const r = await read(alice);
          slowest = Math.max(slowest, performance.now() - t0);
          return r;
        }),
      );
      for (const r of results) {
        expect(r.isError).toBe(true);
        expect(r.structuredContent?.error?.code).toBe('timeout');
        expect(r.structuredContent?.error?.message).toBe(`The authorization service (FGA) did not answer within ${DEADLINE_MS} ms; the call was refused and nothing was done. Try again later.`);
      }
    }
    // A correctness bound (generous), not a benchmark: without a deadline a hung FGA held each call ~20 s.
    expect(slowest).toBeLessThan(3 * DEADLINE_MS);
    // Aborted requests close their sockets: 50 hung calls leave no pile of descriptors behind.
    expect(openFds() - fdsBefore).toBeLessThan(25);
    const entry = await lastEntry(gh);
    expect(entry?.data).toMatchObject({ sub: 'alice', tool: 'read_document', result: 'error', error: 'timeout' });
    expect((entry?.data.decisions as { gate: string; decision: string }[]).at(-1)).toMatchObject({ gate: 'authorize', decision: 'error' });

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('\ngatehouse_upstream_errors_total{upstream="fga",kind="timeout"} 50\n');
    expect(metrics).toContain('\ngatehouse_tool_calls_total{tool="read_document",outcome="timeout"} 50\n');
    expect(metrics).toContain('\ngatehouse_gate_duration_seconds_count{gate="authorize",decision="error"} 50\n');

    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({
      status: 'not_ready',
      failing: ['fga'],
      checks: { store: { status: 'ok' }, keys: { status: 'ok' }, fga: { status: 'failing', reason: 'timeout' }, vault: { status: 'ok' } },
    });
    // Liveness is not readiness: the process still serves.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    proxy.resume();
    let status = 0;
    for (let i = 0; i < 40 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await fetch(`${base}/readyz`)).status;
    }
    expect(status).toBe(200);
    expect((await read(alice)).structuredContent?.error?.code).toBe('forbidden');
  });

  it('the breaker opens after N timeouts: further calls fail fast with `circuit_open` without reaching FGA; after the pause one probe closes it again', async () => {
    const { gh, alice } = await gatehouseBehindProxy({ GATEHOUSE_BREAKER_FAILURES: '3', GATEHOUSE_BREAKER_HALF_OPEN_MS: '1000' });
    proxy.pause();
    for (let i = 0; i < 3; i++) expect((await read(alice)).structuredContent?.error?.code).toBe('timeout');
    const reached = proxy.requests();
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const r = await read(alice);
      expect(performance.now() - t0).toBeLessThan(DEADLINE_MS);
      expect(r.isError).toBe(true);
      expect(r.structuredContent?.error).toEqual({
        code: 'circuit_open',
        message: 'The authorization service (FGA) failed repeatedly and is not being called for now (circuit open); the call was refused and nothing was done. Try again in 1 s.',
      });
    }
    expect(proxy.requests()).toBe(reached);
    expect((await lastEntry(gh))?.data).toMatchObject({ tool: 'read_document', result: 'error', error: 'circuit_open' });
    const base = new URL(gh.mcpUrl).origin;
    const open = await (await fetch(`${base}/metrics`)).text();
    expect(open).toContain('\ngatehouse_upstream_circuit_state{upstream="fga"} 1\n');
    expect(open).toContain('\ngatehouse_upstream_errors_total{upstream="fga",kind="timeout"} 3\n');
    expect(open).toContain('\ngatehouse_upstream_errors_total{upstream="fga",kind="circuit_open"} 5\n');

    proxy.resume();
    await new Promise((r) => setTimeout(r, 1100));
    // Half-open: one probe call reaches FGA, which answers (the call then ends as before the hang), and closes the circuit.
    const probe = await read(alice);
    expect(probe.structuredContent?.error?.code).toBe('forbidden');
    expect(((await lastEntry(gh))?.data.decisions as { gate: string; decision: string }[]).find((d) => d.gate === 'authorize')).toMatchObject({ decision: 'allow' });
    expect(proxy.requests()).toBe(reached + 1);
    expect((await read(alice)).structuredContent?.error?.code).toBe('forbidden');
    expect(proxy.requests()).toBe(reached + 2);
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('\ngatehouse_upstream_circuit_state{upstream="fga"} 0\n');
  });
});
