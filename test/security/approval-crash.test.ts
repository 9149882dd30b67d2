import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { createSqliteApprovalLedger } from '../../src/store/sqlite/approval-ledger.js';
import { createSqliteAuditStore } from '../../src/store/sqlite/audit-store.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { deviceFor, errorCodeOf, LAPTOP, textOf, waitForRequests } from '../helpers/approvals.js';
import { tempDir } from '../helpers/bootstrap.js';
import { connectWithToken, tokenFor } from '../helpers/mcp-client.js';

/**
 * kill -9 inside the redemption window, from the outside: a real Gatehouse child process (embedded
 * authorization server in the same process, as in the default install) is stopped right after the
 * authorization server handed over alice's approved token and before the ledger recorded it, killed
 * with SIGKILL, restarted on the same data directory and ports, and the same call is retried.
 */
interface Child {
  readonly proc: ChildProcess;
  readonly ready: Promise<{ mcpUrl: string; issuer: string }>;
  readonly paused: Promise<string>;
  readonly exited: Promise<unknown>;
}

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function startChild(env: Record<string, string>, args: string[] = []): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/crash-gatehouse.ts', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += String(d)));
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  const lines = createInterface({ input: proc.stdout! });
  const line = (prefix: string) =>
    new Promise<string[]>((resolve, reject) => {
      lines.on('line', (l) => l.startsWith(`${prefix} `) && resolve(l.split(' ').slice(1)));
      void exited.then(() => reject(new Error(`the child exited before "${prefix}": ${stderr}`)));
    });
  const ready = line('ready').then(([mcpUrl, issuer]) => ({ mcpUrl: mcpUrl!, issuer: issuer! }));
  const paused = line('paused').then(([id]) => id!);
  ready.catch(() => {});
  paused.catch(() => {});
  return { proc, ready, paused, exited };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('crash inside the redemption window (kill -9, restart, retry)', () => {
  it('the retry says in plain words that the approval was received and lost to a restart (approval_interrupted), the audit names who was asked and when; the next call asks anew and runs once', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const env = {
      GATEHOUSE_HOST: '127.0.0.1',
      GATEHOUSE_PORT: String(await freePort()),
      GATEHOUSE_AUTH_PORT: String(await freePort()),
      GATEHOUSE_FGA_PORT: '0',
      GATEHOUSE_PROVIDERS_PORT: '0',
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_LOG_LEVEL: 'silent',
      GATEHOUSE_APPROVAL_WAIT_SECONDS: '60',
      GATEHOUSE_CIBA_INTERVAL_SECONDS: '1',
    };

    // 1. alice asks for a purchase that needs approval and approves it on her device.
    const first = startChild(env, ['--pause-at-token']);
    const { mcpUrl, issuer } = await first.ready;
    const token = await tokenFor({ mcpUrl, issuer }, 'alice', 'purchases:create');
    const client1 = await connectWithToken(mcpUrl, token);
    const firstCall = client1.callTool({ name: 'purchase', arguments: LAPTOP }, undefined, { timeout: 90_000 }).then(
      () => 'answered',
      () => 'connection lost',
    );
    const device1 = await deviceFor(issuer, 'alice');
    const [request] = await waitForRequests(device1);
    expect(await device1.decide(request!.id, 'approve')).toBe('approved');

    // 2. Gatehouse received the approved token; kill -9 before the ledger records it.
    const approvalId = await first.paused;
    first.proc.kill('SIGKILL');
    await first.exited;
    await client1.close();
    expect(await firstCall).toBe('connection lost');

    // 3. Restart on the same data directory and ports; the same caller retries the same call.
    const second = startChild(env);
    expect(await second.ready).toEqual({ mcpUrl, issuer });
    const client2 = await connectWithToken(mcpUrl, token);
    const retry = await client2.callTool({ name: 'purchase', arguments: LAPTOP }, undefined, { timeout: 90_000, resetTimeoutOnProgress: true, onprogress: () => {} });
    expect(retry.isError).toBe(true);
    expect(errorCodeOf(retry)).toBe('approval_interrupted');
    expect(textOf(retry)).toMatch(/^Your approval at \d\d:\d\d UTC was received but the server restarted before using it; approve again\b/);
    expect(textOf(retry)).toContain(approvalId);
    expect(textOf(retry)).not.toMatch(/invalid_grant/);

    const db = openDatabase(join(dataDir, 'gatehouse.db'));
    try {
      expect(db.prepare('SELECT COUNT(*) AS n FROM demo_orders').get()).toEqual({ n: 0 });
      const interrupted = (await createAuditLog(createSqliteAuditStore(db)).recent(100)).filter((e) => e.event === 'approval_interrupted');
      expect(interrupted).toHaveLength(1);
      expect(interrupted[0]!.data).toMatchObject({
        approvalId,
        tool: 'purchase',
        askedUser: 'alice',
        digest: expect.stringMatching(/^[\w-]{43}$/),
        requestedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        approvalReceivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      // The interrupted approval can never allow an execution.
      expect((await createSqliteApprovalLedger(db).get(approvalId))?.status).toBe('interrupted');
      expect(await createSqliteApprovalLedger(db).consume(approvalId, Date.now())).toBe(false);

      // 4. The next identical call asks alice again (a fresh request) and runs exactly once.
      const again = client2.callTool({ name: 'purchase', arguments: LAPTOP }, undefined, { timeout: 90_000, resetTimeoutOnProgress: true, onprogress: () => {} });
      const device2 = await deviceFor(issuer, 'alice');
      const [fresh] = await waitForRequests(device2);
      expect(fresh!.id).not.toBe(request!.id);
      expect(await device2.decide(fresh!.id, 'approve')).toBe('approved');
      const result = await again;
      expect(result.isError).toBeFalsy();
      expect(textOf(result)).toMatch(/^Ordered "Laptop" for 900 EUR from Demo Store: order ord_\w+\. Approved by alice at /);
      expect(db.prepare('SELECT COUNT(*) AS n FROM demo_orders').get()).toEqual({ n: 1 });
      expect(db.prepare("SELECT approval_id FROM demo_orders").get()).not.toEqual({ approval_id: approvalId });
    } finally {
      db.close();
      await client2.close();
      second.proc.kill('SIGTERM');
      await second.exited;
    }
  }, 120_000);
});
