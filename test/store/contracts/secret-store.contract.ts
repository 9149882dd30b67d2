import { afterEach, describe, expect, it } from 'vitest';
import type { SecretStore } from '../../../src/store/ports/secret-store.js';
import type { MakeStore, StoreFixture } from './fixture.js';

export function describeSecretStoreContract(name: string, makeStore: MakeStore<SecretStore>): void {
  describe(`SecretStore contract: ${name}`, () => {
    let fixture: StoreFixture<SecretStore> | undefined;
    const open = () => (fixture = makeStore());
    afterEach(() => fixture?.close());

    it('generates a secret once and returns the same one after, on every handle', async () => {
      const { store, other } = open();
      const first = await store.get('vault.encryption-key');
      expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(await store.get('vault.encryption-key')).toBe(first);
      let asked = 0;
      expect(
        await other().get('vault.encryption-key', () => {
          asked++;
          return 'another-value';
        }),
      ).toBe(first);
      expect(asked).toBe(0);
    });

    it('keeps what the generator made, and each name apart', async () => {
      const { store } = open();
      expect(await store.get('authserver.signing-key', () => '{"kty":"EC","crv":"P-256"}')).toBe('{"kty":"EC","crv":"P-256"}');
      const other = await store.get('authserver.csrf-key');
      expect(other).not.toBe('{"kty":"EC","crv":"P-256"}');
      expect(await store.get('authserver.signing-key')).toBe('{"kty":"EC","crv":"P-256"}');
    });

    it.each(['../escape', 'Upper', 'a/b', 'a..b', '', '.hidden', 'x'.repeat(101)])('refuses the name %j with a TypeError and stores nothing', async (bad) => {
      const { store } = open();
      let asked = 0;
      await expect(async () =>
        store.get(bad, () => {
          asked++;
          return 'v';
        }),
      ).rejects.toThrow(TypeError);
      expect(asked).toBe(0);
    });
  });
}
