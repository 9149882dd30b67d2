/**
 * Three instances under load, one killed: the shared services (authorization server, FGA API, demo
 * Google APIs) run in this process and survive; three Gatehouse child processes trust them and share
 * one store (`STORE`: the shared SQLite data directory, or one PostgreSQL database). Clients send
 * JSON-RPC tools/call with bearer tokens from the shared authorization server, spread over the three, each call with its own W3C traceparent; one instance is
 * killed with SIGKILL halfway through. Meanwhile a purchase over the threshold is requested on one
 * instance, approved on the trusted device, executed on another and asked again on the third.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceFor, errorCodeOf, LAPTOP, textOf, waitForRequests } from '../helpers/approvals.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import {
  auditVerify,
  newTrace,
  processUsage,
  openSharedStore,
  startInstances,
  startTraceSink,
  stopInstances,
  type AuditData,
  type Instance,
  type SharedStore,
  type SharedStoreKind,
} from '../helpers/instances.js';
import { callTool, connectWithToken, jsonRpcOf, rpc, tokenFor } from '../helpers/mcp-client.js';

/** How long the clients call. */
const DURATION_MS = 60_000;
/** When the instance is killed, from the start of the load (or once the approval scenario is done, if later). */
const KILL_AFTER_MS = DURATION_MS / 2;
const CLIENTS = 16;
const INSTANCES = 3;
/** The instance killed with SIGKILL (the one the approval was requested on). */
const KILLED = 0;
const USERS = ['alice', 'bob', 'carol'] as const;

/** How the instances share their state: `'postgres'` puts all three on one PostgreSQL database. */
const STORE: SharedStoreKind = 'postgres';

interface CallRecord {
  readonly traceId: string;
  readonly instance: number;
  readonly tool: string;
  /** A complete JSON-RPC answer came back. */
  answered: boolean;
  /** The answer was a successful result. */
  ok: boolean;
  /** What went wrong (status, error code or the network error), for the failure message. */
  problem?: string;
  /** The call ended after the kill was sent. */
  endedAfterKill: boolean;
}

describe(`${INSTANCES} instances on one store with shared auth/FGA: ${CLIENTS} clients for ${DURATION_MS / 1000} s, one instance killed -9 halfway`, () => {
  let services: TestGatehouse;
  let store: SharedStore;
  let sink: Awaited<ReturnType<typeof startTraceSink>>;
  let instances: Instance[] = [];
  const tokens: Record<string, string> = {};
  let purchaseToken: string;

  beforeAll(async () => {
    services = await startTestGatehouse();
    store = await openSharedStore(STORE, services);
    sink = await startTraceSink();
    instances = await startInstances(services, store, INSTANCES, {
      traceSinkUrl: sink.url,
      env: { GATEHOUSE_APPROVAL_WAIT_SECONDS: '0', GATEHOUSE_CIBA_INTERVAL_SECONDS: '1' },
    });
    for (const user of USERS) tokens[user] = await tokenFor(services, user, 'identity:read docs:read');
    purchaseToken = await tokenFor(services, 'alice', 'purchases:create');
  }, 60_000);

  afterAll(async () => {
    await stopInstances(instances);
    await sink?.close();
    await store?.close();
    await services?.stop();
  });

  it('no errors on the instances that stayed up; every answered call has exactly one tool_call entry, an unanswered one at most one; the chain verifies; the approval requested on one instance executes once on another and not again on the third', async () => {
    const records: CallRecord[] = [];
    let killSent = false;
    const alive = () => instances.map((_, i) => i).filter((i) => !(killSent && i === KILLED));
    const usageBefore = instances.map((x) => processUsage(x.child.proc.pid!));

    /** One client: calls whoami and search_documents in turn on its instance until the end; moves on when its instance is gone. */
    const client = async (k: number, until: number) => {
      const user = USERS[k % USERS.length]!;
      let target = k % INSTANCES;
      for (let n = 0; Date.now() < until; n++) {
        if (killSent && target === KILLED) target = alive()[k % alive().length]!;
        const { traceId, traceparent } = newTrace();
        const [tool, args] = n % 2 ? ['search_documents', { query: 'budget', k: 5 }] : ['whoami', {}];
        const rec: CallRecord = { traceId, instance: target, tool, answered: false, ok: false, endedAfterKill: false };
        records.push(rec);
        try {
          const res = await rpc(instances[target]!.mcpUrl, callTool(tool, args, n + 1), { authorization: `Bearer ${tokens[user]}`, traceparent });
          const msg = await jsonRpcOf(res);
          rec.answered = true;
          const result = msg.result as { isError?: boolean; structuredContent?: { sub?: string; results?: unknown[] } } | undefined;
          rec.ok = res.status === 200 && result !== undefined && !result.isError && (tool === 'whoami' ? result.structuredContent?.sub === user : Array.isArray(result.structuredContent?.results));
          if (!rec.ok) rec.problem = `HTTP ${res.status} ${JSON.stringify(msg).slice(0, 300)}`;
        } catch (e) {
          rec.problem = String((e as Error).cause ?? e);
        }
        rec.endedAfterKill = killSent;
      }
    };

    /** The approval: requested on instance 1 (answered approval_pending), approved on alice's device, resumed on 2, asked again on 3. */
    const approval = async () => {
      const on = async (i: number) => {
        const c = await connectWithToken(instances[i]!.mcpUrl, purchaseToken);
        try {
          return await c.callTool({ name: 'purchase', arguments: LAPTOP });
        } finally {
          await c.close();
        }
      };
      const requested = await on(KILLED);
      const approvalId = /Approval (\w+) is open until/.exec(textOf(requested))?.[1];
      const device = await deviceFor(services.issuer, 'alice');
      const [request] = await waitForRequests(device);
      expect(await device.decide(request!.id, 'approve')).toBe('approved');
      // Asked again on instance 2 until the poll interval lets it fetch the approval (each try is answered approval_pending at once).
      let resumed = await on(1);
      const retries: (string | undefined)[] = [];
      for (let tries = 0; errorCodeOf(resumed) === 'approval_pending' && tries < 40; tries++) {
        retries.push(/Approval (\w+) is open until/.exec(textOf(resumed))?.[1]);
        await new Promise((r) => setTimeout(r, 500));
        resumed = await on(1);
      }
      const again = await on(2);
      return { requested, approvalId, resumed, retries, again };
    };

    const start = Date.now();
    const until = start + DURATION_MS;
    const load = Promise.all(Array.from({ length: CLIENTS }, (_, k) => client(k, until)));
    const approved = await approval();
    await new Promise((r) => setTimeout(r, Math.max(0, start + KILL_AFTER_MS - Date.now())));
    const usageAtKill = instances.map((x) => processUsage(x.child.proc.pid!));
    killSent = true;
    instances[KILLED]!.child.proc.kill('SIGKILL');
    expect(await instances[KILLED]!.child.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await load;
    const usageAfter = instances.map((x, i) => (i === KILLED ? undefined : processUsage(x.child.proc.pid!)));

    // The approval: pending on 1, executed once on 2 with the same approval, a new request (not a second execution) on 3.
    expect(errorCodeOf(approved.requested)).toBe('approval_pending');
    expect(approved.approvalId).toMatch(/^[0-9A-Z]{26}$/);
    expect(approved.retries.every((id) => id === approved.approvalId)).toBe(true);
    expect(approved.resumed.isError).toBeFalsy();
    expect(textOf(approved.resumed)).toMatch(/^Ordered "Laptop" for 900 EUR from Demo Store: order ord_\w+\. Approved by alice at /);
    expect(approved.again.isError).toBe(true);
    expect(errorCodeOf(approved.again)).toBe('approval_pending');
    expect(/Approval (\w+) is open until/.exec(textOf(approved.again))?.[1]).not.toBe(approved.approvalId);
    expect(await store.orders()).toEqual([approved.approvalId]);
    const purchases = (await store.auditEntries('tool_call')).filter((d) => d.tool === 'purchase').map((d) => [d.result, d.error ?? null]);
    expect(purchases).toEqual([['error', 'approval_pending'], ...approved.retries.map(() => ['error', 'approval_pending']), ['ok', null], ['error', 'approval_pending']]);

    // The load: every call to an instance that stayed up, and every call to the killed one that ended before the kill, answered ok.
    const cut = records.filter((r) => r.instance === KILLED && r.endedAfterKill && !r.answered);
    const errors = records.filter((r) => !r.ok && !cut.includes(r));
    expect(errors.map((r) => `${r.tool} on instance ${r.instance + 1}: ${r.problem}`)).toEqual([]);
    expect(records.filter((r) => r.instance !== KILLED).length).toBeGreaterThan(0);
    expect(records.filter((r) => r.instance === KILLED && !r.endedAfterKill && r.ok).length).toBeGreaterThan(0);

    // The audit: exactly one tool_call entry per answered call, at most one per call cut by the kill, no load-tool entry for a trace never sent.
    const byTrace = new Map<string, AuditData[]>();
    const loadTools = new Set(records.map((r) => r.tool));
    for (const d of await store.auditEntries('tool_call')) if (typeof d.traceId === 'string' && loadTools.has(String(d.tool))) byTrace.set(d.traceId, [...(byTrace.get(d.traceId) ?? []), d]);
    const answered = records.filter((r) => r.answered);
    expect(answered.filter((r) => byTrace.get(r.traceId)?.length !== 1).map((r) => [r.traceId, byTrace.get(r.traceId)?.length ?? 0])).toEqual([]);
    expect(answered.every((r) => byTrace.get(r.traceId)![0]!.tool === r.tool && byTrace.get(r.traceId)![0]!.result === 'ok')).toBe(true);
    expect(cut.filter((r) => (byTrace.get(r.traceId)?.length ?? 0) > 1)).toEqual([]);
    const sent = new Set(records.map((r) => r.traceId));
    expect([...byTrace.keys()].filter((t) => !sent.has(t))).toEqual([]);

    const verified = await auditVerify(store);
    expect(verified).toMatchObject({ code: 0, stdout: expect.stringMatching(/^audit chain intact through entry \d+/) });
    expect(Number(/through entry (\d+)/.exec(verified.stdout)![1])).toBeGreaterThanOrEqual(answered.length + purchases.length);

    const secs = DURATION_MS / 1000;
    const usage = (u: ({ rssMiB: number; fds: number } | undefined)[]) => u.map((x) => (x ? `${x.rssMiB} MiB/${x.fds} fds` : 'killed')).join(', ');
    console.info(
      `[instances-under-load] ${records.length} calls in ${secs} s (${Math.round(answered.length / secs)} answered/s), ${cut.length} cut by the kill ` +
        `(${cut.filter((r) => byTrace.has(r.traceId)).length} of them audited); RSS/FDs per instance before: ${usage(usageBefore)}; at the kill: ${usage(usageAtKill)}; after: ${usage(usageAfter)}`,
    );
  }, DURATION_MS + 90_000);
});
