import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApprovalLedger, NewApproval } from '../../src/approvals/approval-ledger.js';
import { createSqliteApprovalLedger } from '../../src/store/sqlite/approval-ledger.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { migrations } from '../../src/store/sqlite/migrations/index.js';
import { tempDir } from '../helpers/bootstrap.js';

const approval = (id: string, digest = 'D'.repeat(43)): NewApproval => ({
  id,
  digest,
  tool: 'purchase',
  sub: 'alice',
  resource: 'http://127.0.0.1:1/mcp',
  bindingMessage: 'Buy Laptop 900 EUR #ABC123',
  details: '[]',
  createdAt: 1000,
  expiresAt: 61_000,
  intervalMs: 2000,
});

async function pendingLedger(): Promise<ApprovalLedger> {
  const ledger = createSqliteApprovalLedger(openDatabase(':memory:'));
  await ledger.reserve(approval('a1'));
  await ledger.started('a1', 'req-1', 61_000, 2000, 3000);
  return ledger;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('approval ledger: write-ahead redemption', () => {
  it('only one caller holds a redemption, and only the lease holder records its answer', async () => {
    const ledger = await pendingLedger();
    expect(await ledger.claimRedeem('a1', 2999, 'L1', 22_999)).toBe(false); // not due yet
    expect(await ledger.claimRedeem('a1', 3000, 'L1', 23_000)).toBe(true);
    expect(await ledger.get('a1')).toMatchObject({ status: 'redeeming', redeemingAt: 3000, leaseUntil: 23_000 });
    expect(await ledger.claimRedeem('a1', 3000, 'L2', 23_000)).toBe(false);
    expect(await ledger.approved('a1', 'L2', 'alice', 3000, 60_000)).toBe(false);
    expect(await ledger.close('a1', 'denied', 'no', 3000)).toBe(false); // a redeeming row is closed only by its lease holder
    expect(await ledger.approved('a1', 'L1', 'alice', 3000, 60_000)).toBe(true);
    expect(await ledger.get('a1')).toMatchObject({ status: 'approved', approvedBy: 'alice' });
  });

  it('a redemption is taken over only after its lease, keeps the time it was sent, and fences out the old holder', async () => {
    const ledger = await pendingLedger();
    await ledger.claimRedeem('a1', 3000, 'L1', 23_000);
    expect(await ledger.staleRedemptions(22_999)).toEqual([]);
    expect(await ledger.takeOver('a1', 22_999, 'L2', 43_000, 'restarted')).toBe(false);
    expect((await ledger.staleRedemptions(23_000)).map((r) => r.id)).toEqual(['a1']);
    expect(await ledger.takeOver('a1', 23_000, 'L2', 43_000, 'restarted')).toBe(true);
    expect(await ledger.get('a1')).toMatchObject({ status: 'redeeming', redeemingAt: 3000, leaseUntil: 43_000, reason: 'restarted' });
    expect(await ledger.approved('a1', 'L1', 'alice', 3000, 60_000)).toBe(false);
    expect(await ledger.interrupt('a1', 'L2', 'restarted', 23_100)).toBe(true);
    expect(await ledger.get('a1')).toMatchObject({ status: 'interrupted', reason: 'restarted', redeemingAt: 3000 });
  });

  it('an interrupted approval is closed for good: never approved, never consumed, and the same call may open a new one', async () => {
    const ledger = await pendingLedger();
    await ledger.claimRedeem('a1', 3000, 'L1', 23_000);
    expect(await ledger.reserve(approval('a2'))).toBe(false); // still open while redeeming
    await ledger.interrupt('a1', 'L1', 'restarted', 3100);
    expect(await ledger.approved('a1', 'L1', 'alice', 3000, 60_000)).toBe(false);
    expect(await ledger.consume('a1', 3200)).toBe(false);
    expect(await ledger.findOpen('D'.repeat(43))).toBeUndefined();
    expect(await ledger.reserve(approval('a2'))).toBe(true);
  });

  it('an interruption is reported to exactly one call, and only a recent one', async () => {
    const ledger = await pendingLedger();
    await ledger.claimRedeem('a1', 3000, 'L1', 23_000);
    await ledger.interrupt('a1', 'L1', 'restarted', 5000);
    expect(await ledger.takeUnreported('D'.repeat(43), 5001, 6000)).toBeUndefined(); // too old
    expect(await ledger.takeUnreported('E'.repeat(43), 0, 6000)).toBeUndefined(); // another call
    expect(await ledger.takeUnreported('D'.repeat(43), 0, 6000)).toMatchObject({ id: 'a1', status: 'interrupted' });
    expect(await ledger.takeUnreported('D'.repeat(43), 0, 6000)).toBeUndefined();
    expect(await ledger.markReported('a1', 7000)).toBe(false);
  });

  it('"not yet" hands the row back as pending; a lost answer leaves it redeeming for the next caller to take over', async () => {
    const ledger = await pendingLedger();
    await ledger.claimRedeem('a1', 3000, 'L1', 23_000);
    expect(await ledger.release('a1', 'L1')).toBe(true);
    expect(await ledger.get('a1')).toMatchObject({ status: 'pending', redeemingAt: null, leaseUntil: null, nextPollAt: 5000 });
    await ledger.claimRedeem('a1', 5000, 'L2', 25_000);
    expect(await ledger.defer('a1', 'L2', 7000, 'lost')).toBe(true);
    expect(await ledger.get('a1')).toMatchObject({ status: 'redeeming', redeemingAt: 5000, leaseUntil: 7000, reason: 'lost' });
    expect(await ledger.release('a1', 'L2')).toBe(false);
    expect(await ledger.takeOver('a1', 7000, 'L3', 27_000, 'restarted')).toBe(true);
    expect((await ledger.get('a1'))?.reason).toBe('lost'); // the earlier, truer reason stays
  });

  it('migration 009 keeps every existing approval and the one-open-approval-per-call rule', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = join(dir, 'gatehouse.db');
    const before = migrations.filter((m) => m.id < '007'); // the schema as it was before the approval-ledger change
    const old = new Database(file);
    old.exec('CREATE TABLE schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
    for (const m of before) {
      old.exec(m.up);
      old.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)').run(m.id, 'then');
    }
    old
      .prepare(`INSERT INTO approvals (id, digest, tool, sub, resource, status, binding_message, details, created_at, expires_at, interval_ms, next_poll_at,
        approved_by, approved_at, valid_until) VALUES ('old1', ?, 'purchase', 'alice', 'r', 'approved', 'Buy Laptop 900 EUR #ABC123', '[]', 1, 60, 2, 3, 'alice', 5, 99)`)
      .run('D'.repeat(43));
    old.close();

    const db = openDatabase(file);
    const ledger = createSqliteApprovalLedger(db);
    expect(await ledger.get('old1')).toMatchObject({ status: 'approved', approvedBy: 'alice', approvedAt: 5, validUntil: 99, bindingMessage: 'Buy Laptop 900 EUR #ABC123', redeemingAt: null });
    expect(await ledger.reserve(approval('new1'))).toBe(false);
    expect(await ledger.consume('old1', 50)).toBe(true);
    db.close();
  });
});
