import { afterEach, describe, expect, it } from 'vitest';
import type { OidcModelStore, OidcModelWrite } from '../../../src/store/ports/oidc-model-store.js';
import type { MakeStore, StoreFixture } from './fixture.js';

const write = (over: Partial<OidcModelWrite> = {}): OidcModelWrite => ({ payload: '{"kind":"Grant"}', grantId: null, userCode: null, uid: null, expiresAt: null, ...over });

export function describeOidcModelStoreContract(name: string, makeStore: MakeStore<OidcModelStore>): void {
  describe(`OidcModelStore contract: ${name}`, () => {
    let fixture: StoreFixture<OidcModelStore> | undefined;
    const open = () => (fixture = makeStore());
    afterEach(() => fixture?.close());

    it('finds a record by model and key, on any handle; unknown is undefined, not an error', async () => {
      const { store, other } = open();
      await store.upsert('Grant', 'g1', write({ payload: '{"accountId":"alice","ü":"✓"}', expiresAt: 5000 }));
      expect(await other().find('Grant', 'g1')).toEqual({ payload: '{"accountId":"alice","ü":"✓"}', expiresAt: 5000, consumedAt: null });
      expect(await store.find('Session', 'g1')).toBeUndefined();
      expect(await store.find('Grant', 'g2')).toBeUndefined();
    });

    it('returns an expired record as stored (the adapter decides), until deleteExpired removes it at its expiry', async () => {
      const { store } = open();
      await store.upsert('AccessToken', 'old', write({ expiresAt: 1000 }));
      await store.upsert('AccessToken', 'live', write({ expiresAt: 1001 }));
      await store.upsert('Client', 'forever', write());
      expect((await store.find('AccessToken', 'old'))?.expiresAt).toBe(1000);
      expect(await store.deleteExpired(1000)).toBe(1);
      expect(await store.find('AccessToken', 'old')).toBeUndefined();
      expect(await store.find('AccessToken', 'live')).toBeDefined();
      expect(await store.find('Client', 'forever')).toBeDefined();
    });

    it('marks a record consumed, and a later upsert keeps that mark', async () => {
      const { store } = open();
      await store.upsert('AuthorizationCode', 'c1', write({ payload: '{"v":1}' }));
      await store.consume('AuthorizationCode', 'c1', 1_700_000_000);
      await store.consume('AuthorizationCode', 'nope', 1_700_000_000);
      expect((await store.find('AuthorizationCode', 'c1'))?.consumedAt).toBe(1_700_000_000);
      await store.upsert('AuthorizationCode', 'c1', write({ payload: '{"v":2}' }));
      expect(await store.find('AuthorizationCode', 'c1')).toEqual({ payload: '{"v":2}', expiresAt: null, consumedAt: 1_700_000_000 });
    });

    it('looks records up by uid and by user code within their model only', async () => {
      const { store } = open();
      await store.upsert('Session', 's1', write({ uid: 'u-1' }));
      await store.upsert('DeviceCode', 'd1', write({ userCode: 'ABCD-EFGH' }));
      expect(await store.findByUid('Session', 'u-1')).toBeDefined();
      expect(await store.findByUid('Interaction', 'u-1')).toBeUndefined();
      expect(await store.findByUserCode('DeviceCode', 'ABCD-EFGH')).toBeDefined();
      expect(await store.findByUserCode('DeviceCode', 'XXXX-XXXX')).toBeUndefined();
    });

    it('destroys one record, and revokes every record of a grant whatever its model, and only those', async () => {
      const { store } = open();
      await store.upsert('AccessToken', 'a1', write({ grantId: 'G1' }));
      await store.upsert('RefreshToken', 'r1', write({ grantId: 'G1' }));
      await store.upsert('AccessToken', 'a2', write({ grantId: 'G2' }));
      await store.upsert('Client', 'c1', write());
      await store.destroy('Client', 'c1');
      expect(await store.find('Client', 'c1')).toBeUndefined();
      await store.revokeByGrantId('G1');
      expect(await store.find('AccessToken', 'a1')).toBeUndefined();
      expect(await store.find('RefreshToken', 'r1')).toBeUndefined();
      expect(await store.find('AccessToken', 'a2')).toBeDefined();
    });
  });
}
