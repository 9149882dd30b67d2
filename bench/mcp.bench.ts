import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
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

const WARMUP = 300;
const SEQUENTIAL = 2000;
const CONCURRENCY = 8;
const PER_WORKER = 250;
const ROUNDS = 5;

/**
 * tools/call `whoami` through Gatehouse (bearer verification, scopes gate, the gate chain, audit
 * append) versus the same tool on a bare MCP SDK server without auth — same client, same stateless
 * transport, same run, rounds interleaved so machine noise hits both.
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
    const targets = { gated: { url: gh.mcpUrl, token }, bare: { url: bare.url, token: undefined } };
    const lat: Record<string, number[]> = { gated: [], bare: [] };
    const tput: Record<string, number[]> = { gated: [], bare: [] };
    const serverSide: Record<string, number[]> = { gated: [], bare: [] };
    const byPort = new Map([
      [Number(new URL(gh.mcpUrl).port), 'gated'],
      [Number(new URL(bare.url).port), 'bare'],
    ]);
    let recording = false;
    const stopTiming = timeServerSide((port, ms) => {
      const name = byPort.get(port);
      if (recording && name) serverSide[name]!.push(ms);
    });
    for (const [, t] of Object.entries(targets)) await sequential(t.url, t.token, WARMUP);
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, t] of r % 2 ? Object.entries(targets).reverse() : Object.entries(targets)) {
        recording = true;
        lat[name]!.push(...(await sequential(t.url, t.token, SEQUENTIAL / ROUNDS)));
        recording = false;
        tput[name]!.push(await throughput(t.url, t.token));
      }
    }
    stopTiming();
    const serverP50 = (name: string) => percentile([...serverSide[name]!].sort((a, b) => a - b), 50);
    const stats = (name: string) => {
      const s = [...lat[name]!].sort((a, b) => a - b);
      return { p50: percentile(s, 50), p99: percentile(s, 99), tput: median(tput[name]!) };
    };
    const g = stats('gated');
    const b = stats('bare');
    // Each round measures both back to back, so the per-round ratio is the least noisy comparison.
    const roundRatio = median(tput.gated!.map((x, i) => x / tput.bare![i]!));
    return [
      { name: 'mcp.whoami.bare.throughput', value: b.tput, unit: 'calls/s' },
      { name: 'mcp.whoami.gated.throughput', value: g.tput, unit: 'calls/s', baseline: 'mcp.whoami.bare.throughput', ratio: roundRatio },
      { name: 'mcp.whoami.bare.p50', value: b.p50, unit: 'ms' },
      { name: 'mcp.whoami.gated.p50', value: g.p50, unit: 'ms', baseline: 'mcp.whoami.bare.p50', ratio: g.p50 / b.p50 },
      { name: 'mcp.whoami.bare.server-side.p50', value: serverP50('bare'), unit: 'ms' },
      { name: 'mcp.whoami.gated.server-side.p50', value: serverP50('gated'), unit: 'ms', baseline: 'mcp.whoami.bare.server-side.p50', ratio: serverP50('gated') / serverP50('bare') },
      { name: 'mcp.whoami.bare.p99', value: b.p99, unit: 'ms' },
      { name: 'mcp.whoami.gated.p99', value: g.p99, unit: 'ms', baseline: 'mcp.whoami.bare.p99', ratio: g.p99 / b.p99 },
    ];
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

async function client(url: string, token?: string): Promise<Client> {
  const c = new Client({ name: 'bench', version: '1.0.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: token ? { headers: { Authorization: `Bearer ${token}` } } : undefined }));
  return c;
}

async function sequential(url: string, token: string | undefined, n: number): Promise<number[]> {
  const c = await client(url, token);
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

async function throughput(url: string, token: string | undefined): Promise<number> {
  const clients = await Promise.all(Array.from({ length: CONCURRENCY }, () => client(url, token)));
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
 * The baseline: the SDK's stateless Streamable HTTP server with the same tool and no auth at all. It
 * shares one schema validator across requests, as Gatehouse does, so the ratio isolates the gates.
 */
async function startBare(): Promise<{ url: string; close(): Promise<void> }> {
  const jsonSchemaValidator = new AjvJsonSchemaValidator();
  const app = express();
  app.post('/mcp', express.json({ limit: '1mb' }), async (req, res) => {
    const server = new McpServer({ name: 'bare', version: '1.0.0' }, { capabilities: { tools: {} }, jsonSchemaValidator });
    server.registerTool('whoami', { description: 'who am I', inputSchema: z.object({}).strict() }, async () => ({
      content: [{ type: 'text', text: 'You are user alice in organization org_acme.' }],
      structuredContent: { kind: 'user', sub: 'alice', organization: 'org_acme' },
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  const http = await new Promise<Server>((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    close: () =>
      new Promise<void>((r) => {
        http.close(() => r());
        http.closeAllConnections();
      }),
  };
}
