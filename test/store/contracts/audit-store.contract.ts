import { afterEach, describe, expect, it } from 'vitest';
import type { AuditChainHead, AuditStore, StoredAuditEntry } from '../../../src/store/ports/audit-store.js';
import type { MakeStore, StoreFixture } from './fixture.js';

const GENESIS = '0'.repeat(64);

/** A next-entry builder that links to whatever the store reports as last, and records what it saw. */
function linkTo(event: string, seen: (AuditChainHead | undefined)[] = [], dataJson = '{"n":1}') {
  return (last: AuditChainHead | undefined): StoredAuditEntry => {
    seen.push(last);
    const seq = (last?.seq ?? 0) + 1;
    return { seq, at: `2026-11-30T10:00:0${seq % 10}.000Z`, event, dataJson, prevHash: last?.hash ?? GENESIS, hash: `${event}-${seq}`.padEnd(64, 'h') };
  };
}

export function describeAuditStoreContract(name: string, makeStore: MakeStore<AuditStore>): void {
  describe(`AuditStore contract: ${name}`, () => {
    let fixture: StoreFixture<AuditStore> | undefined;
    const open = () => (fixture = makeStore());
    afterEach(() => fixture?.close());

    it('starts empty: no head, no entries, and the first append is offered no previous entry', () => {
      const { store } = open();
      expect(store.head()).toBeUndefined();
      expect([...store.entries()]).toEqual([]);
      expect(store.recent(10)).toEqual([]);
      const seen: (AuditChainHead | undefined)[] = [];
      const first = store.append(linkTo('a', seen));
      expect(seen).toEqual([undefined]);
      expect(first).toMatchObject({ seq: 1, prevHash: GENESIS });
    });

    it('offers each append the newest entry, keeps entries in seq order and moves the head', () => {
      const { store } = open();
      const seen: (AuditChainHead | undefined)[] = [];
      const e1 = store.append(linkTo('a', seen));
      const e2 = store.append(linkTo('b', seen));
      const e3 = store.append(linkTo('c', seen));
      expect(seen).toEqual([undefined, { seq: 1, hash: e1.hash }, { seq: 2, hash: e2.hash }]);
      expect([...store.entries()]).toEqual([e1, e2, e3]);
      expect(store.head()).toEqual({ seq: 3, hash: e3.hash });
    });

    it('keeps the data text byte for byte (the hash was computed over it)', () => {
      const { store } = open();
      const dataJson = '{"b":"ünïcödé \\u2028","a":[1,2.5,null],"z":{"y":true}}';
      store.append(linkTo('a', [], dataJson));
      expect([...store.entries()][0]?.dataJson).toBe(dataJson);
    });

    it('returns the newest entries first, at most the limit', () => {
      const { store } = open();
      for (const e of ['a', 'b', 'c', 'd']) store.append(linkTo(e));
      expect(store.recent(2).map((e) => e.seq)).toEqual([4, 3]);
      expect(store.recent(10).map((e) => e.seq)).toEqual([4, 3, 2, 1]);
    });

    it('stores nothing when the builder throws, and passes the error on', () => {
      const { store } = open();
      const e1 = store.append(linkTo('a'));
      const boom = new Error('builder failed');
      expect(() =>
        store.append(() => {
          throw boom;
        }),
      ).toThrow(boom);
      expect([...store.entries()]).toEqual([e1]);
      expect(store.head()).toEqual({ seq: 1, hash: e1.hash });
    });

    it('refuses an entry whose seq is taken, and stores nothing of it', () => {
      const { store } = open();
      const e1 = store.append(linkTo('a'));
      expect(() => store.append(() => ({ ...e1, event: 'forged', hash: 'f'.repeat(64) }))).toThrow();
      expect([...store.entries()]).toEqual([e1]);
      expect(store.head()).toEqual({ seq: 1, hash: e1.hash });
    });

    it('links appends from two handles on the same storage into one chain', () => {
      const { store, other } = open();
      const second = other();
      const seen: (AuditChainHead | undefined)[] = [];
      const e1 = store.append(linkTo('a', seen));
      const e2 = second.append(linkTo('b', seen));
      const e3 = store.append(linkTo('c', seen));
      expect(seen).toEqual([undefined, { seq: 1, hash: e1.hash }, { seq: 2, hash: e2.hash }]);
      expect([...second.entries()]).toEqual([e1, e2, e3]);
      expect(second.head()).toEqual({ seq: 3, hash: e3.hash });
    });
  });
}
