import { afterEach, describe, expect, it } from 'vitest';
import type { OidcModelStore, OidcModelWrite } from '../../../src/store/ports/oidc-model-store.js';
import type { MakeStore, StoreFixture } from './fixture.js';

const write = (over: Partial<OidcModelWrite> = {}): OidcModelWrite => ({ payload: '{"kind":"Grant"}', grantId: null, userCode: null, uid: null, expiresAt: null, ...over });

export function describeOidcModelStoreContract(name: string, makeStore: MakeStore<OidcModelStore>): void {
  describe(`OidcModelStore contract: ${name}`, () => {
    let fixture: StoreFixture<OidcModelStore> | undefined;
    const open = () => (fixture = makeStore());
    afterEach(() => fixture?.close());

    it('finds a record by model and key, on any handle; unknown is undefined, not an error', () => {
      const { store, other } = open();
      store.upsert('Grant', 'g1', write({ payload: '{"accountId":"alice","ü":"✓"}', expiresAt: 5000 }));
      expect(other().find('Grant', 'g1')).toEqual({ payload: '{"accountId":"alice","ü":"✓"}', expiresAt: 5000, consumedAt: null });
      expect(store.find('Session', 'g1')).toBeUndefined();
      expect(store.find('Grant', 'g2')).toBeUndefined();
    });

    it('returns an expired record as stored (the adapter decides), until deleteExpired removes it at its expiry', () => {
      const { store } = open();
      store.upsert('AccessToken', 'old', write({ expiresAt: 1000 }));
      store.upsert('AccessToken', 'live', write({ expiresAt: 1001 }));
      store.upsert('Client', 'forever', write());
      expect(store.find('AccessToken', 'old')?.expiresAt).toBe(1000);
      expect(store.deleteExpired(1000)).toBe(1);
      expect(store.find('AccessToken', 'old')).toBeUndefined();
      expect(store.find('AccessToken', 'live')).toBeDefined();
      expect(store.find('Client', 'forever')).toBeDefined();
    });

    it('marks a record consumed, and a later upsert keeps that mark', () => {
      const { store } = open();
      store.upsert('AuthorizationCode', 'c1', write({ payload: '{"v":1}' }));
      store.consume('AuthorizationCode', 'c1', 1_700_000_000);
      store.consume('AuthorizationCode', 'nope', 1_700_000_000);
      expect(store.find('AuthorizationCode', 'c1')?.consumedAt).toBe(1_700_000_000);
      store.upsert('AuthorizationCode', 'c1', write({ payload: '{"v":2}' }));
      expect(store.find('AuthorizationCode', 'c1')).toEqual({ payload: '{"v":2}', expiresAt: null, consumedAt: 1_700_000_000 });
    });

    it('looks records up by uid and by user code within their model only', () => {
      const { store } = open();
      store.upsert('Session', 's1', write({ uid: 'u-1' }));
      store.upsert('DeviceCode', 'd1', write({ userCode: 'ABCD-EFGH' }));
      expect(store.findByUid('Session', 'u-1')).toBeDefined();
      expect(store.findByUid('Interaction', 'u-1')).toBeUndefined();
      expect(store.findByUserCode('DeviceCode', 'ABCD-EFGH')).toBeDefined();
      expect(store.findByUserCode('DeviceCode', 'XXXX-XXXX')).toBeUndefined();
    });

    it('destroys one record, and revokes every record of a grant whatever its model, and only those', () => {
      const { store } = open();
      store.upsert('AccessToken', 'a1', write({ grantId: 'G1' }));
      store.upsert('RefreshToken', 'r1', write({ grantId: 'G1' }));
      store.upsert('AccessToken', 'a2', write({ grantId: 'G2' }));
      store.upsert('Client', 'c1', write());
      store.destroy('Client', 'c1');
      expect(store.find('Client', 'c1')).toBeUndefined();
      store.revokeByGrantId('G1');
      expect(store.find('AccessToken', 'a1')).toBeUndefined();
      expect(store.find('RefreshToken', 'r1')).toBeUndefined();
      expect(store.find('AccessToken', 'a2')).toBeDefined();
    });
  });
}
