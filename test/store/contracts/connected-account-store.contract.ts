import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectedAccountStore } from '../../../src/store/ports/connected-account-store.js';
import type { MakeStore, StoreFixture } from './fixture.js';

export function describeConnectedAccountStoreContract(name: string, makeStore: MakeStore<ConnectedAccountStore>): void {
  describe(`ConnectedAccountStore contract: ${name}`, () => {
    let fixture: StoreFixture<ConnectedAccountStore> | undefined;
    const open = () => (fixture = makeStore());
    afterEach(() => fixture?.close());

    it('an account never connected is unknown (undefined), not an error', async () => {
      const { store } = open();
      expect(await store.accountId('alice', 'google-oauth2')).toBeUndefined();
    });

    it('keeps one account per user and connection; a reconnect replaces it', async () => {
      const { store, other } = open();
      await store.record('alice', 'google-oauth2', 'acc-1', ['openid'], '2026-11-30T10:00:00.000Z');
      await store.record('bob', 'google-oauth2', 'acc-2', ['openid'], '2026-11-30T10:00:00.000Z');
      await store.record('alice', 'github', 'acc-3', [], '2026-11-30T10:00:00.000Z');
      await store.record('alice', 'google-oauth2', 'acc-4', ['openid', 'email'], '2026-11-30T11:00:00.000Z');
      const second = other();
      expect(await second.accountId('alice', 'google-oauth2')).toBe('acc-4');
      expect(await second.accountId('bob', 'google-oauth2')).toBe('acc-2');
      expect(await second.accountId('alice', 'github')).toBe('acc-3');
      expect(await second.accountId('bob', 'github')).toBeUndefined();
    });
  });
}
