import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import express from 'express';
import { mkdtempSync, rmSync } from 'node:fs';
import { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { startGatehouse } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { obtainAccessToken } from '../src/embedded/authserver/headless-login.js';
import { silentLogger } from '../src/log.js';
import { percentile, type BenchResult } from './index.js';

const WARMUP = 200;
const SEQUENTIAL = 1000;
const CONCURRENCY = 8;
const PER_WORKER = 150;
const ROUNDS = 4;

type Era = 'modern' | 'legacy';
const ERAS: readonly Era[] = ['modern', 'legacy'];
/** How each era is named in the results: the protocol revision the client speaks. */
const REVISION: Record<Era, string> = { modern: '2026-07-28', legacy: '2025-11-25' };

/**
 * tools/call `whoami` through Gatehouse (bearer verification, scopes gate, the gate chain, audit
 * append) versus the same tool on a bare server of the same SDK line (`createMcpHandler`, no auth),
 * for both protocol revisions: the v2 client pinned to 2026-07-28 and in its default 2025-11-25 mode.
 * Same client, same run, rounds interleaved so machine noise hits all four.
 */
export async function run(): Promise<BenchResult[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const gh = await startGatehouse(
    loadConfig({ GATEHOUSE_PORT: '0', GATEHOUSE_AUTH_PORT: '0', GATEHOUSE_FGA_PORT: '0', GATEHOUSE_PROVIDERS_PORT: '0', GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_LOG_LEVEL: 'silent' }),
    { logger: silentLogger },
  );
  const bare = await startBare();
  try {
    const token = (await obtainAccessToken({ issuer: gh.issuer, resource: gh.mcpUrl, user: 'alice', password: 'alice-demo-pw' })).accessToken;
    const servers = { gated: { url: gh.mcpUrl, token }, bare: { url: bare.url, token: undefined } };
    const targets = ERAS.flatMap((era) => Object.entries(servers).map(([side, t]) => ({ key: `${side}.${era}`, era, ...t })));
    const lat: Record<string, number[]> = {};
    const tput: Record<string, number[]> = {};
    const serverSide: Record<string, number[]> = {};
    for (const t of targets) [lat[t.key], tput[t.key], serverSide[t.key]] = [[], [], []];
    const sideByPort = new Map([
      [Number(new URL(gh.mcpUrl).port), 'gated'],
      [Number(new URL(bare.url).port), 'bare'],
    ]);
    let recording: string | undefined;
    const stopTiming = timeServerSide((port, ms) => {
      if (recording && recording.startsWith(`${sideByPort.get(port)}.`)) serverSide[recording]!.push(ms);
    });
    for (const t of targets) await sequential(t.url, t.token, t.era, WARMUP);
    for (let r = 0; r < ROUNDS; r++) {
      for (const t of r % 2 ? [...targets].reverse() : targets) {
        recording = t.key;
        lat[t.key]!.push(...(await sequential(t.url, t.token, t.era, SEQUENTIAL / ROUNDS)));
        recording = undefined;
        tput[t.key]!.push(await throughput(t.url, t.token, t.era));
      }
    }
    stopTiming();
    const out: BenchResult[] = [];
    for (const era of ERAS) {
      const g = `gated.${era}`;
      const b = `bare.${era}`;
      const stats = (key: string) => {
        const s = [...lat[key]!].sort((x, y) => x - y);
        return { p50: percentile(s, 50), p99: percentile(s, 99), tput: median(tput[key]!), server: percentile([...serverSide[key]!].sort((x, y) => x - y), 50) };
      };
      const gs = stats(g);
      const bs = stats(b);
      // Each round measures both back to back, so the per-round ratio is the least noisy comparison.
      const roundRatio = median(tput[g]!.map((x, i) => x / tput[b]![i]!));
      const name = (side: string, what: string) => `mcp.${REVISION[era]}.whoami.${side}.${what}`;
      out.push(
        { name: name('bare', 'throughput'), value: bs.tput, unit: 'calls/s' },
        { name: name('gated', 'throughput'), value: gs.tput, unit: 'calls/s', baseline: name('bare', 'throughput'), ratio: roundRatio },
        { name: name('bare', 'p50'), value: bs.p50, unit: 'ms' },
        { name: name('gated', 'p50'), value: gs.p50, unit: 'ms', baseline: name('bare', 'p50'), ratio: gs.p50 / bs.p50 },
        { name: name('bare', 'server-side.p50'), value: bs.server, unit: 'ms' },
        { name: name('gated', 'server-side.p50'), value: gs.server, unit: 'ms', baseline: name('bare', 'server-side.p50'), ratio: gs.server / bs.server },
        { name: name('bare', 'p99'), value: bs.p99, unit: 'ms' },
        { name: name('gated', 'p99'), value: gs.p99, unit: 'ms', baseline: name('bare', 'p99'), ratio: gs.p99 / bs.p99 },
      );
    }
    return out;
  } finally {
    await bare.close();
    await gh.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Times each /mcp request inside the servers of this process, from the request event to the end of
 * the response: the server's own work, without the client's. Returns the function that stops it.
 */
function timeServerSide(record: (port: number, ms: number) => void): () => void {
  const emit = Server.prototype.emit;
  Server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]) {
    if (event === 'request') {
      const [req, res] = args as [{ url?: string }, { on(e: 'finish', f: () => void): void }];
      if (req.url?.startsWith('/mcp')) {
        const t0 = performance.now();
        const port = (this.address() as AddressInfo).port;
        res.on('finish', () => record(port, performance.now() - t0));
      }
    }
    return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
  } as typeof emit;
  return () => {
    Server.prototype.emit = emit;
  };
}

async function client(url: string, token: string | undefined, era: Era): Promise<Client> {
  const c = new Client({ name: 'bench', version: '1.0.0' }, era === 'modern' ? { versionNegotiation: { mode: { pin: REVISION.modern } } } : {});
  await c.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: token ? { headers: { Authorization: `Bearer ${token}` } } : undefined }));
  if (c.getProtocolEra() !== era) throw new Error(`the benchmark client landed on the ${c.getProtocolEra()} era, not ${era}`);
  return c;
}

async function sequential(url: string, token: string | undefined, era: Era, n: number): Promise<number[]> {
  const c = await client(url, token, era);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await c.callTool({ name: 'whoami', arguments: {} });
    out.push(performance.now() - t0);
    if (r.isError) throw new Error('whoami failed during the benchmark');
  }
  await c.close();
  return out;
}

async function throughput(url: string, token: string | undefined, era: Era): Promise<number> {
  const clients = await Promise.all(Array.from({ length: CONCURRENCY }, () => client(url, token, era)));
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (c) => {
      for (let i = 0; i < PER_WORKER; i++) await c.callTool({ name: 'whoami', arguments: {} });
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  await Promise.all(clients.map((c) => c.close()));
  return (CONCURRENCY * PER_WORKER) / secs;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * The baseline: the same SDK line's entry (`createMcpHandler`, both eras, stateless) with the same
 * tool and no auth at all, mounted on Express through the SDK's Node adapter.
 */
async function startBare(): Promise<{ url: string; close(): Promise<void> }> {
  const handler = createMcpHandler(() => {
    const server = new McpServer({ name: 'bare', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.registerTool('whoami', { description: 'who am I', inputSchema: z.object({}).strict() }, async () => ({
      content: [{ type: 'text', text: 'You are user alice in organization org_acme.' }],
      structuredContent: { kind: 'user', sub: 'alice', organization: 'org_acme' },
    }));
    return server;
  });
  const node = toNodeHandler(handler);
  const app = express();
  app.post('/mcp', express.json({ limit: '1mb' }), (req, res) => node(req, res, req.body));
  const http = await new Promise<Server>((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    close: () =>
      new Promise<void>((r) => {
        void handler.close();
        http.close(() => r());
        http.closeAllConnections();
      }),
  };
}
