import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectFlowStore } from '../../../src/store/ports/connect-flow-store.js';
import type { MakeStore, StoreFixture } from './fixture.js';

const F1 = 'f'.repeat(43);
const F2 = 'g'.repeat(43);

export function describeConnectFlowStoreContract(name: string, makeStore: MakeStore<ConnectFlowStore>): void {
  describe(`ConnectFlowStore contract: ${name}`, () => {
    let fixture: StoreFixture<ConnectFlowStore> | undefined;
    const open = () => (fixture = makeStore());
    afterEach(() => fixture?.close());

    it('keeps a payload byte for byte until its expiry (inclusive), and not after', async () => {
      const { store } = open();
      await store.insert(F1, 'v1.iv.body.tag', 10_000, 0);
      expect(await store.get(F1, 10_000)).toBe('v1.iv.body.tag');
      expect(await store.get(F1, 10_001)).toBeUndefined();
      expect(await store.get(F2, 0)).toBeUndefined();
    });

    it('updates only an existing flow, and never creates one', async () => {
      const { store } = open();
      await store.insert(F1, 'first', 10_000, 0);
      expect(await store.update(F1, 'first', 'second')).toBe(true);
      expect(await store.update(F2, 'first', 'ghost')).toBe(false);
      expect(await store.get(F1, 0)).toBe('second');
      expect(await store.get(F2, 0)).toBeUndefined();
    });

    it('replaces a flow only while it is still what the caller read: one of two racing callers wins, on any handle', async () => {
      const { store, other } = open();
      const second = other();
      await store.insert(F1, 'read', 10_000, 0);
      const [a, b] = await Promise.all([store.update(F1, 'read', 'by-a'), second.update(F1, 'read', 'by-b')]);
      expect([a, b].filter(Boolean)).toHaveLength(1);
      expect(await store.get(F1, 0)).toBe(a ? 'by-a' : 'by-b');
      expect(await store.update(F1, 'read', 'late')).toBe(false);
      expect(await store.get(F1, 0)).toBe(a ? 'by-a' : 'by-b');
    });

    it('ends a flow for exactly one caller, on any handle', async () => {
      const { store, other } = open();
      const second = other();
      await store.insert(F1, 'p', 10_000, 0);
      expect(await second.delete(F1)).toBe(true);
      expect(await store.delete(F1)).toBe(false);
      expect(await store.get(F1, 0)).toBeUndefined();
      expect(await store.delete(F2)).toBe(false);
    });

    it('drops expired flows when a new one starts, and keeps live ones', async () => {
      const { store } = open();
      await store.insert(F1, 'old', 1000, 0);
      await store.insert(F2, 'new', 90_000, 2000);
      expect(await store.delete(F1)).toBe(false); // already pruned
      expect(await store.get(F2, 2000)).toBe('new');
    });
  });
}
