import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace, type ProxyTracerProvider } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/audit/audit-log.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { callTool, connectWithToken, rpc, tokenFor } from '../helpers/mcp-client.js';

/**
 * Tracing end to end: Gatehouse exports OTLP/HTTP (JSON) to a collector played by a loopback server;
 * trace context comes from the W3C `traceparent` header or the tools/call `_meta`.
 */
interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: OtlpAttribute[];
}

/** An OTLP/HTTP collector: every JSON body posted to /v1/traces. */
async function startCollector(): Promise<{ server: Server; url: string; bodies: string[]; contentTypes: string[] }> {
  const bodies: string[] = [];
  const contentTypes: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        bodies.push(Buffer.concat(chunks).toString('utf8'));
        contentTypes.push(String(req.headers['content-type']));
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, bodies, contentTypes };
}

const spansOf = (bodies: string[]): OtlpSpan[] =>
  bodies.flatMap((b) => (JSON.parse(b) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] }).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
const attr = (span: OtlpSpan, key: string) => span.attributes.find((a) => a.key === key)?.value.stringValue;

const HEADER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const HEADER_PARENT = '00f067aa0ba902b7';
const META_TRACE = '0af7651916cd43dd8448eb211c80319c';
const META_PARENT = 'b7ad6b7169203331';
const BOTH_HEADER_TRACE = '11111111111111111111111111111111';
const BOTH_META_TRACE = '22222222222222222222222222222222';
const BOTH_META_PARENT = '2222222222222222';
const traceparent = (trace: string, parent: string) => `00-${trace}-${parent}-01`;

/** A document id only ever sent as an argument: it must appear in no span. */
const SECRET_ID = 'argument-9d4e2c-never-in-a-span';

describe('tracing: a span per tool call, a child per gate and per upstream call, exported over OTLP/HTTP', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let gh: TestGatehouse;
  let token: string;
  let entries: AuditEntry[];
  let stopped = false;

  beforeAll(async () => {
    collector = await startCollector();
    gh = await startTestGatehouse({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector.url, OTEL_SERVICE_NAME: 'gatehouse-under-test' });
    token = await tokenFor(gh, 'bob');
    // 1. Trace context in the W3C header (an allowed read: bob may view q3-budget).
    const byHeader = await rpc(gh.mcpUrl, callTool('read_document', { id: 'q3-budget' }), { authorization: `Bearer ${token}`, traceparent: traceparent(HEADER_TRACE, HEADER_PARENT) });
    expect(byHeader.status).toBe(200);
    await byHeader.text();
    // 2. Trace context in the tools/call `_meta` (the v1 SDK client passes it through).
    const client = await connectWithToken(gh.mcpUrl, token);
    const byMeta = await client.callTool({ name: 'read_document', arguments: { id: SECRET_ID }, _meta: { traceparent: traceparent(META_TRACE, META_PARENT) } });
    expect(byMeta.isError).toBe(true);
    await client.close();
    // 3. Both: `_meta` is the more specific and wins.
    const both = await rpc(
      gh.mcpUrl,
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'whoami', arguments: {}, _meta: { traceparent: traceparent(BOTH_META_TRACE, BOTH_META_PARENT) } } },
      { authorization: `Bearer ${token}`, traceparent: traceparent(BOTH_HEADER_TRACE, HEADER_PARENT) },
    );
    expect(both.status).toBe(200);
    await both.text();
    entries = [...await gh.audit.recent(1000)].sort((a, b) => a.seq - b.seq).filter((e) => e.event === 'tool_call');
    // Closing flushes the spans still buffered.
    stopped = true;
    await gh.stop();
  });
  afterAll(async () => {
    if (!stopped) await gh?.stop();
    await new Promise((done) => collector?.server.close(done));
  });

  const callSpan = (traceId: string) => {
    const found = spansOf(collector.bodies).filter((s) => s.traceId === traceId && s.name.startsWith('tools/call '));
    expect(found).toHaveLength(1);
    return found[0]!;
  };
  const childrenOf = (span: OtlpSpan) => spansOf(collector.bodies).filter((s) => s.parentSpanId === span.spanId);

  it('the collector receives OTLP JSON, with the configured service name', () => {
    expect(collector.contentTypes.every((t) => t.startsWith('application/json'))).toBe(true);
    const resources = collector.bodies.flatMap((b) => (JSON.parse(b) as { resourceSpans: { resource: { attributes: OtlpAttribute[] } }[] }).resourceSpans.map((r) => r.resource.attributes));
    expect(resources.length).toBeGreaterThan(0);
    for (const a of resources) expect(a.find((x) => x.key === 'service.name')?.value.stringValue).toBe('gatehouse-under-test');
  });

  it('traceparent header: the tool-call span joins that trace under the header span, a child per gate with its decision, the FGA call under authorize', () => {
    const span = callSpan(HEADER_TRACE);
    expect(span.name).toBe('tools/call read_document');
    expect(span.kind).toBe(2); // SERVER
    expect(span.parentSpanId).toBe(HEADER_PARENT);
    expect(attr(span, 'gen_ai.tool.name')).toBe('read_document');
    expect(attr(span, 'gatehouse.outcome')).toBe('ok');
    const gates = childrenOf(span);
    // One child per gate, in order, each with the decision the audit entry records for it.
    const audited = (entries[0]!.data.decisions as { gate: string; decision: string }[]).map((d) => [`gate ${d.gate}`, d.decision]);
    expect(audited).toHaveLength(7);
    expect(gates.map((g) => [g.name, attr(g, 'gatehouse.decision')])).toEqual(audited);
    expect(audited).toContainEqual(['gate authorize', 'allow']);
    const authorize = gates.find((g) => g.name === 'gate authorize')!;
    const upstream = childrenOf(authorize);
    expect(upstream.map((u) => [u.name, attr(u, 'gatehouse.upstream'), attr(u, 'gatehouse.outcome')])).toEqual([['upstream fga', 'fga', 'ok']]);
    expect(upstream[0]!.traceId).toBe(HEADER_TRACE);
  });

  it('the audit entry of each traced call carries its trace id', () => {
    const traced = entries.map((e) => [e.data.tool, e.data.traceId]);
    expect(traced).toEqual([
      ['read_document', HEADER_TRACE],
      ['read_document', META_TRACE],
      ['whoami', BOTH_META_TRACE],
    ]);
  });

  it('_meta.traceparent: the tool-call span joins that trace; a refusal is marked with its code', () => {
    const span = callSpan(META_TRACE);
    expect(span.parentSpanId).toBe(META_PARENT);
    expect(attr(span, 'gatehouse.outcome')).toBe('forbidden');
    expect(attr(span, 'error.type')).toBe('forbidden');
    const authorize = childrenOf(span).find((g) => g.name === 'gate authorize')!;
    expect(attr(authorize, 'gatehouse.decision')).toBe('deny');
    expect(childrenOf(authorize).map((u) => u.name)).toEqual(['upstream fga']);
  });

  it('header and _meta both present: _meta wins', () => {
    const span = callSpan(BOTH_META_TRACE);
    expect(span.parentSpanId).toBe(BOTH_META_PARENT);
    expect(spansOf(collector.bodies).filter((s) => s.traceId === BOTH_HEADER_TRACE)).toEqual([]);
  });

  it('no span carries the bearer token, the arguments or the caller', () => {
    const all = collector.bodies.join('\n');
    expect(all.length).toBeGreaterThan(0);
    expect(all).not.toContain(token);
    expect(all).not.toContain(token.split('.')[2]!);
    expect(all).not.toContain(SECRET_ID);
    expect(all).not.toContain('q3-budget');
    expect(all).not.toContain('"bob"');
  });
});

describe('tracing: a call without usable trace context starts its own trace; a graceful shutdown flushes it', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let gh: TestGatehouse | undefined;
  beforeAll(async () => {
    collector = await startCollector();
  });
  afterAll(async () => {
    await new Promise((done) => collector?.server.close(done));
  });

  it('a malformed traceparent is ignored (the call runs, as the root of a new trace), and the entry carries that trace id', async () => {
    gh = await startTestGatehouse({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url.replace('/v1/traces', '') });
    const token = await tokenFor(gh, 'bob');
    const res = await rpc(gh.mcpUrl, callTool('whoami', {}), { authorization: `Bearer ${token}`, traceparent: `00-${'z'.repeat(32)}-${HEADER_PARENT}-01` });
    expect(res.status).toBe(200);
    await res.text();
    const entry = [...await gh.audit.recent(100)].find((e) => e.event === 'tool_call')!;
    expect(entry.data).toMatchObject({ tool: 'whoami', result: 'ok' });
    const report = await gh.shutdown();
    expect(report.cut).toBe(0);
    const spans = spansOf(collector.bodies).filter((s) => s.name === 'tools/call whoami');
    expect(spans).toHaveLength(1);
    expect(spans[0]!.parentSpanId ?? '').toBe('');
    expect(spans[0]!.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(entry.data.traceId).toBe(spans[0]!.traceId);
    rmSync(gh.dataDir, { recursive: true, force: true });
  });
});

describe('without OTEL_* configuration', () => {
  let gh: TestGatehouse;
  beforeAll(async () => {
    gh = await startTestGatehouse();
  });
  afterAll(async () => {
    await gh?.stop();
  });

  it('a traceparent header is not taken up: the audit entry has no traceId', async () => {
    const token = await tokenFor(gh, 'bob');
    const res = await rpc(gh.mcpUrl, callTool('whoami', {}), { authorization: `Bearer ${token}`, traceparent: traceparent(HEADER_TRACE, HEADER_PARENT) });
    expect(res.status).toBe(200);
    await res.text();
    const entries = [...await gh.audit.recent(100)].filter((e) => e.event === 'tool_call');
    expect(entries).toHaveLength(1);
    expect(entries[0]!.data).toMatchObject({ tool: 'whoami', result: 'ok' });
    expect(entries[0]!.data).not.toHaveProperty('traceId');
  });
});

describe('tracing inside a host process that registered its own OpenTelemetry SDK', () => {
  it("Gatehouse's spans go to the host's provider, which stays registered after Gatehouse stops", async () => {
    const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
    const exported = new InMemorySpanExporter();
    const host = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exported)] });
    expect(trace.setGlobalTracerProvider(host)).toBe(true);
    try {
      const gh = await startTestGatehouse({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:9/v1/traces' });
      try {
        const res = await rpc(gh.mcpUrl, callTool('whoami', {}), { authorization: `Bearer ${await tokenFor(gh, 'bob')}` });
        expect(res.status).toBe(200);
        await res.text();
      } finally {
        await gh.stop();
      }
      expect(exported.getFinishedSpans().map((s) => s.name)).toContain('tools/call whoami');
      expect((trace.getTracerProvider() as ProxyTracerProvider).getDelegate()).toBe(host);
    } finally {
      trace.disable();
      await host.shutdown();
    }
  });
});
