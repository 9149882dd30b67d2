import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectTicketStore } from '../../../src/store/ports/connect-ticket-store.js';
import type { MakeStore, StoreFixture } from './fixture.js';

const H1 = 'a'.repeat(43);
const H2 = 'b'.repeat(43);
const binding = { sub: 'alice', connection: 'google-oauth2', scopes: ['https://www.googleapis.com/auth/calendar.readonly', 'openid'] };

export function describeConnectTicketStoreContract(name: string, makeStore: MakeStore<ConnectTicketStore>): void {
  describe(`ConnectTicketStore contract: ${name}`, () => {
    let fixture: StoreFixture<ConnectTicketStore> | undefined;
    const open = () => (fixture = makeStore());
    afterEach(() => fixture?.close());

    it('returns the binding of a live ticket exactly once, on any handle', async () => {
      const { store, other } = open();
      const second = other();
      await store.insert(H1, binding, 10_000, 0);
      expect(await second.consume(H1, 'google-oauth2', 5000)).toEqual(binding);
      expect(await store.consume(H1, 'google-oauth2', 5000)).toBeUndefined();
      expect(await second.consume(H1, 'google-oauth2', 5000)).toBeUndefined();
    });

    it('hands the binding to exactly one of many concurrent consumers on several handles', async () => {
      const { store, other } = open();
      await store.insert(H1, binding, 10_000, 0);
      const handles = [store, other(), other()];
      const results = await Promise.all(Array.from({ length: 12 }, async (_, i) => handles[i % 3]!.consume(H1, 'google-oauth2', 5000)));
      expect(results.filter((r) => r !== undefined)).toEqual([binding]);
    });

    it('an unknown ticket is not found (undefined), not an error', async () => {
      const { store } = open();
      expect(await store.consume(H2, 'google-oauth2', 0)).toBeUndefined();
    });

    it('refuses a ticket for another connection without using it up', async () => {
      const { store } = open();
      await store.insert(H1, binding, 10_000, 0);
      expect(await store.consume(H1, 'github', 5000)).toBeUndefined();
      expect(await store.consume(H1, 'google-oauth2', 5000)).toEqual(binding);
    });

    it('is live up to and including its expiry, and gone after it', async () => {
      const { store } = open();
      await store.insert(H1, binding, 10_000, 0);
      await store.insert(H2, binding, 10_000, 0);
      expect(await store.consume(H1, 'google-oauth2', 10_001)).toBeUndefined();
      expect(await store.consume(H2, 'google-oauth2', 10_000)).toEqual(binding);
    });

    it('keeps each ticket apart, and prunes only tickets that expired before the given time', async () => {
      const { store } = open();
      await store.insert(H1, { ...binding, sub: 'bob' }, 1000, 0);
      await store.insert(H2, binding, 50_000, 500); // H1 (expires 1000) is not pruned
      expect(await store.consume(H1, 'google-oauth2', 900)).toEqual({ ...binding, sub: 'bob' });
      expect(await store.consume(H2, 'google-oauth2', 900)).toEqual(binding);
    });
  });
}
