import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { DRAINING_MESSAGE } from '../../src/app/shutdown.js';
import { createAuditLog, type AuditEntry } from '../../src/audit/audit-log.js';
import { createSqliteApprovalLedger } from '../../src/store/sqlite/approval-ledger.js';
import { createSqliteAuditStore } from '../../src/store/sqlite/audit-store.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { deviceFor, errorCodeOf, LAPTOP, textOf, waitForRequests } from '../helpers/approvals.js';
import { tempDir } from '../helpers/bootstrap.js';
import { freePort, startChildGatehouse, type ChildGatehouse } from '../helpers/child-gatehouse.js';
import { callTool, connectWithToken, rpc, tokenFor } from '../helpers/mcp-client.js';

/**
 * SIGTERM from the outside: a real Gatehouse child process (embedded stand-ins in the same process, as
 * in the default install, and the signal handling of `gatehouse serve`) gets SIGTERM with calls in
 * flight; the MCP SDK client (v1) sees their answers, the audit log holds every call's end, and the
 * process exits 0.
 */
const FIXTURE = 'test/fixtures/drain-gatehouse.ts';
const children: ChildGatehouse[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function environment(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const dataDir = tempDir();
  dirs.push(dataDir);
  return {
    GATEHOUSE_HOST: '127.0.0.1',
    GATEHOUSE_PORT: String(await freePort()),
    GATEHOUSE_AUTH_PORT: String(await freePort()),
    GATEHOUSE_FGA_PORT: '0',
    GATEHOUSE_PROVIDERS_PORT: '0',
    GATEHOUSE_DATA_DIR: dataDir,
    GATEHOUSE_LOG_LEVEL: 'silent',
    ...extra,
  };
}

function start(env: Record<string, string>): ChildGatehouse {
  const child = startChildGatehouse(FIXTURE, env);
  children.push(child);
  return child;
}

/** Reads the child's database after it exited. */
async function afterExit<T>(env: Record<string, string>, read: (db: ReturnType<typeof openDatabase>, entries: AuditEntry[]) => T | Promise<T>): Promise<T> {
  const db = openDatabase(join(env.GATEHOUSE_DATA_DIR!, 'gatehouse.db'));
  try {
    return await read(db, await createAuditLog(createSqliteAuditStore(db)).recent(1000));
  } finally {
    db.close();
  }
}

const toolCalls = (entries: AuditEntry[], tool: string) => entries.filter((e) => e.event === 'tool_call' && e.data.tool === tool).map((e) => e.data);

/** `gatehouse audit verify`, the real CLI, on the child's data directory. */
async function auditVerify(env: Record<string, string>): Promise<{ code: number; stdout: string }> {
  return promisify(execFile)(process.execPath, ['bin/gatehouse-dev.mjs', 'audit', 'verify'], { env: { PATH: process.env.PATH ?? '', GATEHOUSE_DATA_DIR: env.GATEHOUSE_DATA_DIR! } }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
  );
}

describe('SIGTERM drains: calls in flight are answered and audited, the process exits 0', () => {
  it('8 slow calls in flight: a request sent after SIGTERM gets 503 + Retry-After + a JSON-RPC error; all 8 get their results, 8 tool_call entries, exit 0, audit verify intact', async () => {
    const env = await environment({ GATEHOUSE_DRAIN_SECONDS: '120' });
    const child = start(env);
    const { mcpUrl, issuer } = await child.ready;
    const token = await tokenFor({ mcpUrl, issuer }, 'alice');
    const client = await connectWithToken(mcpUrl, token);
    const calls = Array.from({ length: 8 }, (_, n) => client.callTool({ name: 'slow', arguments: { n } }, undefined, { timeout: 120_000 }));
    await child.lines('started slow ', 8);

    child.proc.kill('SIGTERM');
    expect((await child.line('Draining: ')).join(' ')).toBe('finishing the calls in flight for up to 120 s (GATEHOUSE_DRAIN_SECONDS); send the signal again to stop now.');
    const late = await rpc(mcpUrl, callTool('whoami'), { authorization: `Bearer ${token}` });
    expect(late.status).toBe(503);
    expect(late.headers.get('retry-after')).toBe('5');
    expect(late.headers.get('connection')).toBe('close');
    expect(await late.json()).toEqual({ jsonrpc: '2.0', error: { code: -32000, message: DRAINING_MESSAGE }, id: null });

    child.proc.stdin!.write('release\n');
    const results = await Promise.all(calls);
    expect(results.map((r) => [r.isError ?? false, textOf(r)])).toEqual(Array.from({ length: 8 }, (_, n) => [false, `slow ${n} done`]));
    expect(await child.exited).toEqual({ code: 0, signal: null });
    await client.close().catch(() => undefined);

    await afterExit(env, (_db, entries) => {
      const slow = toolCalls(entries, 'slow');
      expect(slow).toHaveLength(8);
      expect(slow.map((d) => d.result)).toEqual(Array(8).fill('ok'));
      // The request refused while draining never reached a tool.
      expect(toolCalls(entries, 'whoami')).toHaveLength(0);
    });
    expect(await auditVerify(env)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^audit chain intact through entry (\d+),.*newest signed checkpoint: entry \1\)/) });
  }, 120_000);

  it('a call waiting for approval is answered approval_pending at SIGTERM, its approval stays pending, and after a restart on the same data directory the same call resumes it and runs once', async () => {
    const env = await environment({ GATEHOUSE_DRAIN_SECONDS: '60', GATEHOUSE_APPROVAL_WAIT_SECONDS: '120', GATEHOUSE_CIBA_INTERVAL_SECONDS: '1' });
    const first = start(env);
    const { mcpUrl, issuer } = await first.ready;
    const token = await tokenFor({ mcpUrl, issuer }, 'alice', 'purchases:create');
    const client1 = await connectWithToken(mcpUrl, token);
    const waiting = client1.callTool({ name: 'purchase', arguments: LAPTOP }, undefined, { timeout: 120_000, resetTimeoutOnProgress: true, onprogress: () => {} });
    const [request] = await waitForRequests(await deviceFor(issuer, 'alice'));

    first.proc.kill('SIGTERM');
    const pending = await waiting;
    expect(pending.isError).toBe(true);
    expect(errorCodeOf(pending)).toBe('approval_pending');
    const approvalId = /Approval (\w+) is open until/.exec(textOf(pending))?.[1];
    expect(approvalId).toMatch(/^[0-9A-Z]{26}$/);
    expect(await first.exited).toEqual({ code: 0, signal: null });
    await client1.close().catch(() => undefined);

    await afterExit(env, async (db, entries) => {
      expect(await createSqliteApprovalLedger(db).get(approvalId!)).toMatchObject({ status: 'pending', consumedAt: null, approvedAt: null });
      const [audited] = toolCalls(entries, 'purchase');
      expect(audited).toMatchObject({ result: 'error', error: 'approval_pending' });
      expect((audited!.decisions as { gate: string; decision: string }[]).at(-1)).toMatchObject({ gate: 'approve', decision: 'pending', detail: { approvalId } });
      expect(entries.filter((e) => e.event === 'approval_resolved')).toHaveLength(0);
    });

    // Restart on the same data directory and ports; alice approves; the same call resumes the same approval.
    const second = start(env);
    expect(await second.ready).toEqual({ mcpUrl, issuer });
    const device = await deviceFor(issuer, 'alice');
    expect((await waitForRequests(device)).map((r) => r.id)).toEqual([request!.id]);
    expect(await device.decide(request!.id, 'approve')).toBe('approved');
    const client2 = await connectWithToken(mcpUrl, token);
    const resumed = await client2.callTool({ name: 'purchase', arguments: LAPTOP }, undefined, { timeout: 120_000, resetTimeoutOnProgress: true, onprogress: () => {} });
    expect(resumed.isError).toBeFalsy();
    expect(textOf(resumed)).toMatch(/^Ordered "Laptop" for 900 EUR from Demo Store: order ord_\w+\. Approved by alice at /);
    await client2.close();
    second.proc.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });

    await afterExit(env, async (db, entries) => {
      expect(db.prepare('SELECT approval_id FROM demo_orders').all()).toEqual([{ approval_id: approvalId }]);
      expect((await createSqliteApprovalLedger(db).get(approvalId!))?.status).toBe('consumed');
      expect(toolCalls(entries, 'purchase').map((d) => [d.result, d.error])).toEqual([
        ['ok', undefined],
        ['error', 'approval_pending'],
      ]);
    });
    expect(await auditVerify(env)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^audit chain intact through entry (\d+),.*newest signed checkpoint: entry \1\)/) });
  }, 120_000);

  it('drain time over: a call that never finishes is cut, answered and audited as shutdown, and the process exits 0', async () => {
    const env = await environment({ GATEHOUSE_DRAIN_SECONDS: '1' });
    const child = start(env);
    const { mcpUrl, issuer } = await child.ready;
    const client = await connectWithToken(mcpUrl, await tokenFor({ mcpUrl, issuer }, 'alice'));
    const hanging = client.callTool({ name: 'hang', arguments: {} }, undefined, { timeout: 120_000 });
    await child.line('started hang');

    child.proc.kill('SIGTERM');
    const cut = await hanging;
    expect(cut.isError).toBe(true);
    expect(errorCodeOf(cut)).toBe('shutdown');
    expect(await child.exited).toEqual({ code: 0, signal: null });
    await client.close().catch(() => undefined);

    await afterExit(env, (_db, entries) => {
      const [audited, ...more] = toolCalls(entries, 'hang');
      expect(more).toHaveLength(0);
      expect(audited).toMatchObject({ result: 'error', error: 'shutdown', reference: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      expect((audited!.decisions as { gate: string }[]).map((d) => d.gate)).toEqual(['callers', 'scopes', 'rateLimit', 'authorize', 'connect', 'budget', 'approve']);
    });
    expect(await auditVerify(env)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^audit chain intact through entry (\d+),.*newest signed checkpoint: entry \1\)/) });
  }, 120_000);

  it('a second SIGTERM cuts the drain at once: the call still running is answered and audited as shutdown, exit 0', async () => {
    const env = await environment({ GATEHOUSE_DRAIN_SECONDS: '600' });
    const child = start(env);
    const { mcpUrl, issuer } = await child.ready;
    const client = await connectWithToken(mcpUrl, await tokenFor({ mcpUrl, issuer }, 'alice'));
    const hanging = client.callTool({ name: 'hang', arguments: {} }, undefined, { timeout: 120_000 });
    await child.line('started hang');

    child.proc.kill('SIGTERM');
    await child.line('Draining: ');
    child.proc.kill('SIGTERM');
    expect(errorCodeOf(await hanging)).toBe('shutdown');
    expect(await child.exited).toEqual({ code: 0, signal: null });
    await client.close().catch(() => undefined);
    await afterExit(env, (_db, entries) => expect(toolCalls(entries, 'hang').map((d) => d.error)).toEqual(['shutdown']));
    expect(await auditVerify(env)).toMatchObject({ code: 0 });
  }, 120_000);
});
