import { afterEach, describe, expect, it } from 'vitest';
import type { ApprovalLedger, NewApproval } from '../../../src/store/ports/approval-ledger.js';
import type { MakeStore, StoreFixture } from './fixture.js';

const DIGEST = 'D'.repeat(43);
const approval = (id: string, digest = DIGEST): NewApproval => ({
  id,
  digest,
  tool: 'purchase',
  sub: 'alice',
  resource: 'http://127.0.0.1:1/mcp',
  bindingMessage: 'Buy Laptop 900 EUR #ABC123',
  details: '[{"type":"purchase"}]',
  createdAt: 1000,
  expiresAt: 61_000,
  intervalMs: 2000,
});

export function describeApprovalLedgerContract(name: string, makeStore: MakeStore<ApprovalLedger>): void {
  describe(`ApprovalLedger contract: ${name}`, () => {
    let fixture: StoreFixture<ApprovalLedger> | undefined;
    afterEach(() => fixture?.close());
    /** A ledger holding approval a1, pending since 1000 and due for its first poll at 3000. */
    const pending = async () => {
      fixture = makeStore();
      const ledger = fixture.store;
      expect(await ledger.reserve(approval('a1'))).toBe(true);
      expect(await ledger.started('a1', 'req-1', 61_000, 2000, 3000)).toBe(true);
      return { ledger, other: fixture.other };
    };
    /** As `pending`, then redeemed by lease L1 and approved until 60 000. */
    const approvedLedger = async () => {
      const p = await pending();
      expect(await p.ledger.claimRedeem('a1', 3000, 'L1', 23_000)).toBe(true);
      expect(await p.ledger.approved('a1', 'L1', 'alice', 3000, 60_000)).toBe(true);
      return p;
    };

    it('an unknown id or digest is not found (undefined), not an error', async () => {
      fixture = makeStore();
      expect(await fixture.store.get('nope')).toBeUndefined();
      expect(await fixture.store.findOpen(DIGEST)).toBeUndefined();
      expect(await fixture.store.consume('nope', 1)).toBe(false);
      expect(await fixture.store.staleRedemptions(Number.MAX_SAFE_INTEGER)).toEqual([]);
    });

    it('stores a new approval as starting with every field as given', async () => {
      fixture = makeStore();
      await fixture.store.reserve(approval('a1'));
      expect(await fixture.store.get('a1')).toEqual({
        id: 'a1', digest: DIGEST, tool: 'purchase', sub: 'alice', resource: 'http://127.0.0.1:1/mcp', status: 'starting', authReqId: null,
        bindingMessage: 'Buy Laptop 900 EUR #ABC123', details: '[{"type":"purchase"}]', createdAt: 1000, expiresAt: 61_000, intervalMs: 2000,
        nextPollAt: 61_000, approvedBy: null, approvedAt: null, validUntil: null, consumedAt: null, reason: null, redeemingAt: null, leaseUntil: null,
      });
      expect((await fixture.store.findOpen(DIGEST))?.id).toBe('a1');
    });

    it('holds one open approval per call digest, across handles, until it is closed', async () => {
      const { ledger, other } = await pending();
      const second = other();
      expect(await second.reserve(approval('a2'))).toBe(false);
      expect(await ledger.reserve(approval('a2'))).toBe(false);
      expect(await second.reserve(approval('b1', 'E'.repeat(43)))).toBe(true);
      expect(await ledger.close('a1', 'denied', 'user said no', 4000)).toBe(true);
      expect(await ledger.close('a1', 'denied', 'again', 4001)).toBe(false);
      expect(await ledger.get('a1')).toMatchObject({ status: 'denied', reason: 'user said no' });
      expect(await second.reserve(approval('a2'))).toBe(true);
    });

    it('counts the approvals asked for and not yet answered (starting, pending, redeeming), on every handle', async () => {
      fixture = makeStore();
      const { store: ledger } = fixture;
      const second = fixture.other();
      expect(await ledger.countOpen()).toBe(0);
      await ledger.reserve(approval('a1'));
      await second.reserve(approval('b1', 'E'.repeat(43)));
      await ledger.reserve(approval('c1', 'F'.repeat(43)));
      expect(await second.countOpen()).toBe(3);
      await ledger.started('a1', 'req-1', 61_000, 2000, 3000);
      await ledger.claimRedeem('a1', 3000, 'L1', 23_000);
      expect(await ledger.countOpen()).toBe(3);
      await ledger.approved('a1', 'L1', 'alice', 3000, 60_000);
      await second.close('b1', 'denied', 'no', 4000);
      expect(await ledger.countOpen()).toBe(1);
      await ledger.close('c1', 'expired', 'timed out', 5000);
      expect(await second.countOpen()).toBe(0);
    });

    it('moves to pending only from starting', async () => {
      const { ledger } = await pending();
      expect(await ledger.started('a1', 'req-2', 61_000, 2000, 3000)).toBe(false);
      expect(await ledger.get('a1')).toMatchObject({ status: 'pending', authReqId: 'req-1', nextPollAt: 3000 });
    });

    it('lets one caller (on any handle) claim a due redemption, and only the lease holder record its answer', async () => {
      const { ledger, other } = await pending();
      const second = other();
      expect(await ledger.claimRedeem('a1', 2999, 'L1', 22_999)).toBe(false); // not due yet
      expect(await second.claimRedeem('a1', 3000, 'L2', 23_000)).toBe(true);
      expect(await ledger.claimRedeem('a1', 3000, 'L1', 23_000)).toBe(false);
      expect(await ledger.get('a1')).toMatchObject({ status: 'redeeming', redeemingAt: 3000, leaseUntil: 23_000, nextPollAt: 5000 });
      expect(await ledger.approved('a1', 'L1', 'mallory', 3000, 60_000)).toBe(false);
      expect(await ledger.release('a1', 'L1')).toBe(false);
      expect(await ledger.close('a1', 'denied', 'no', 3000)).toBe(false); // a redeeming row is closed only by its lease holder
      expect(await ledger.close('a1', 'denied', 'no', 3000, 'L1')).toBe(false);
      expect(await ledger.approved('a1', 'L2', 'alice', 3000, 60_000)).toBe(true);
      expect(await ledger.get('a1')).toMatchObject({ status: 'approved', approvedBy: 'alice', approvedAt: 3000, validUntil: 60_000, leaseUntil: null });
    });

    it('takes a redemption over only after its lease, keeps when it was sent, and fences out the old holder', async () => {
      const { ledger } = await pending();
      await ledger.claimRedeem('a1', 3000, 'L1', 23_000);
      expect(await ledger.staleRedemptions(22_999)).toEqual([]);
      expect(await ledger.takeOver('a1', 22_999, 'L2', 43_000, 'restarted')).toBe(false);
      expect((await ledger.staleRedemptions(23_000)).map((r) => r.id)).toEqual(['a1']);
      expect(await ledger.takeOver('a1', 23_000, 'L2', 43_000, 'restarted')).toBe(true);
      expect(await ledger.takeOver('a1', 23_000, 'L3', 43_000, 'again')).toBe(false);
      expect(await ledger.get('a1')).toMatchObject({ status: 'redeeming', redeemingAt: 3000, leaseUntil: 43_000, reason: 'restarted' });
      expect(await ledger.approved('a1', 'L1', 'alice', 3000, 60_000)).toBe(false);
      expect(await ledger.interrupt('a1', 'L1', 'late', 23_100)).toBe(false);
      expect(await ledger.interrupt('a1', 'L2', 'restarted', 23_100)).toBe(true);
      expect(await ledger.get('a1')).toMatchObject({ status: 'interrupted', reason: 'restarted', redeemingAt: 3000 });
    });

    it('hands the row back on "not yet" and slow_down; a deferred answer keeps the first reason for the next holder', async () => {
      const { ledger } = await pending();
      await ledger.claimRedeem('a1', 3000, 'L1', 23_000);
      expect(await ledger.release('a1', 'L1')).toBe(true);
      expect(await ledger.get('a1')).toMatchObject({ status: 'pending', redeemingAt: null, leaseUntil: null, nextPollAt: 5000 });
      await ledger.claimRedeem('a1', 5000, 'L2', 25_000);
      expect(await ledger.slowDown('a1', 'L2', 7000, 12_000)).toBe(true);
      expect(await ledger.get('a1')).toMatchObject({ status: 'pending', intervalMs: 7000, nextPollAt: 12_000 });
      await ledger.claimRedeem('a1', 12_000, 'L3', 32_000);
      expect(await ledger.defer('a1', 'L3', 14_000, 'lost')).toBe(true);
      expect(await ledger.get('a1')).toMatchObject({ status: 'redeeming', redeemingAt: 12_000, leaseUntil: 14_000, reason: 'lost' });
      expect(await ledger.release('a1', 'L3')).toBe(false); // the lease was given up
      expect(await ledger.takeOver('a1', 14_000, 'L4', 34_000, 'restarted')).toBe(true);
      expect((await ledger.get('a1'))?.reason).toBe('lost');
    });

    it('consumes an approval exactly once, across handles, and never after it is no longer valid', async () => {
      const { ledger, other } = await approvedLedger();
      const second = other();
      expect(await second.consume('a1', 59_999)).toBe(true);
      expect(await ledger.consume('a1', 59_999)).toBe(false);
      expect(await ledger.get('a1')).toMatchObject({ status: 'consumed', consumedAt: 59_999 });
      expect(await ledger.findOpen(DIGEST)).toBeUndefined();
    });

    it('lets exactly one of many concurrent consumers, on several handles, run the approval', async () => {
      const { ledger, other } = await approvedLedger();
      const handles = [ledger, other(), other()];
      const results = await Promise.all(Array.from({ length: 12 }, async (_, i) => handles[i % 3]!.consume('a1', 10_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await ledger.get('a1')).toMatchObject({ status: 'consumed', consumedAt: 10_000 });
    });

    it('opens one approval per digest when many handles reserve it at once', async () => {
      fixture = makeStore();
      const handles = [fixture.store, fixture.other(), fixture.other()];
      const results = await Promise.all(Array.from({ length: 12 }, async (_, i) => handles[i % 3]!.reserve(approval(`r${i}`))));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = `r${results.indexOf(true)}`;
      expect((await fixture.store.findOpen(DIGEST))?.id).toBe(winner);
    });

    it('does not consume an approval at or after its validUntil, nor one that was never approved', async () => {
      const { ledger } = await approvedLedger();
      expect(await ledger.consume('a1', 60_000)).toBe(false);
      expect((await ledger.get('a1'))?.status).toBe('approved');
      await fixture?.close();
      const p = await pending();
      expect(await p.ledger.consume('a1', 3000)).toBe(false);
    });

    it('an interrupted approval is closed for good and is reported to exactly one call, only a recent one', async () => {
      const { ledger } = await pending();
      await ledger.claimRedeem('a1', 3000, 'L1', 23_000);
      await ledger.interrupt('a1', 'L1', 'restarted', 5000);
      expect(await ledger.approved('a1', 'L1', 'alice', 3000, 60_000)).toBe(false);
      expect(await ledger.consume('a1', 5100)).toBe(false);
      expect(await ledger.findOpen(DIGEST)).toBeUndefined();
      expect(await ledger.takeUnreported(DIGEST, 5001, 6000)).toBeUndefined(); // too old
      expect(await ledger.takeUnreported('E'.repeat(43), 0, 6000)).toBeUndefined(); // another call
      expect(await ledger.takeUnreported(DIGEST, 0, 6000)).toMatchObject({ id: 'a1', status: 'interrupted' });
      expect(await ledger.takeUnreported(DIGEST, 0, 6000)).toBeUndefined();
      expect(await ledger.markReported('a1', 7000)).toBe(false);
    });
  });
}
