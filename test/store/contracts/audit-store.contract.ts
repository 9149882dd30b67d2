import { afterEach, describe, expect, it } from 'vitest';
import type { AuditChainHead, AuditStore, StoredAuditEntry, StoredCheckpoint } from '../../../src/store/ports/audit-store.js';
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

/** Entries at distinct, increasing times: entry n at 2026-11-(n) (n <= 28). */
function onDay(event: string) {
  return (last: AuditChainHead | undefined): StoredAuditEntry => {
    const seq = (last?.seq ?? 0) + 1;
    return { seq, at: `2026-11-${String(seq).padStart(2, '0')}T00:00:00.000Z`, event, dataJson: '{}', prevHash: last?.hash ?? GENESIS, hash: `${event}-${seq}`.padEnd(64, 'h') };
  };
}

const checkpointAt = (e: StoredAuditEntry): StoredCheckpoint => ({ seq: e.seq, hash: e.hash, at: e.at, jws: `jws-of-${e.seq}` });

/** Asserts the entries form one chain 1..n: consecutive seqs, each linking to the one before, the head on the last. */
function expectOneChain(store: AuditStore, n: number): void {
  const all = [...store.entries()];
  expect(all.map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  all.forEach((e, i) => expect(e.prevHash).toBe(i === 0 ? GENESIS : all[i - 1]!.hash));
  expect(store.head()).toEqual({ seq: n, hash: all.at(-1)!.hash });
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

    it('many writers make one chain: appends interleaved across three handles never fork or skip', () => {
      const { store, other } = open();
      const handles = [store, other(), other()];
      let x = 7;
      for (let i = 0; i < 300; i++) {
        x = (x * 1103515245 + 12345) % 2 ** 31; // a fixed pseudo-random interleaving
        handles[x % 3]!.append(linkTo(`w${x % 3}`));
      }
      expectOneChain(handles[1]!, 300);
    });

    it('reads entries from a seq and from a time, ascending', () => {
      const { store } = open();
      for (let i = 0; i < 6; i++) store.append(onDay('e'));
      expect([...store.entries({ fromSeq: 4 })].map((e) => e.seq)).toEqual([4, 5, 6]);
      expect([...store.entries({ since: '2026-11-03T00:00:00.000Z' })].map((e) => e.seq)).toEqual([3, 4, 5, 6]);
      expect([...store.entries({ since: '2026-11-03T00:00:00.001Z', fromSeq: 5 })].map((e) => e.seq)).toEqual([5, 6]);
      expect([...store.entries({ since: '2026-12-01T00:00:00.000Z' })]).toEqual([]);
    });

    it('keeps checkpoints as given, ascending, the first one per seq, and their verified mark on every handle', () => {
      const { store, other } = open();
      const es = [1, 2, 3, 4].map(() => store.append(onDay('e')));
      store.addCheckpoint(checkpointAt(es[3]!));
      store.addCheckpoint(checkpointAt(es[1]!));
      store.addCheckpoint({ ...checkpointAt(es[1]!), jws: 'second-try' });
      expect(store.checkpoints()).toEqual([checkpointAt(es[1]!), checkpointAt(es[3]!)]);
      store.markVerified(2, '2026-12-01T00:00:00.000Z');
      store.markVerified(3, '2026-12-01T00:00:00.000Z');
      expect(other().checkpoints()).toEqual([{ ...checkpointAt(es[1]!), verifiedAt: '2026-12-01T00:00:00.000Z' }, checkpointAt(es[3]!)]);
      expect(store.anchor()).toBeUndefined();
    });

    it('prunes up to an anchor as one unit: older entries and checkpoints go, the anchor is kept, the head stays', () => {
      const { store, other } = open();
      const es = [1, 2, 3, 4, 5, 6].map(() => store.append(onDay('e')));
      for (const seq of [2, 4, 6]) store.addCheckpoint(checkpointAt(es[seq - 1]!));
      expect(store.prune(checkpointAt(es[3]!))).toBe(4);
      const second = other();
      expect([...second.entries()].map((e) => e.seq)).toEqual([5, 6]);
      expect(second.checkpoints().map((c) => c.seq)).toEqual([4, 6]);
      expect(second.anchor()).toEqual(checkpointAt(es[3]!));
      expect(second.head()).toEqual({ seq: 6, hash: es[5]!.hash });
      const e7 = second.append(onDay('e'));
      expect(e7).toMatchObject({ seq: 7, prevHash: es[5]!.hash });
    });

    it('refuses an anchor behind the current one or past the head, and changes nothing', () => {
      const { store } = open();
      const es = [1, 2, 3, 4].map(() => store.append(onDay('e')));
      store.prune(checkpointAt(es[2]!));
      expect(() => store.prune(checkpointAt(es[1]!))).toThrow();
      expect(() => store.prune({ seq: 9, hash: 'x'.repeat(64), at: '2026-11-09T00:00:00.000Z', jws: 'x' })).toThrow();
      expect([...store.entries()].map((e) => e.seq)).toEqual([4]);
      expect(store.anchor()).toEqual(checkpointAt(es[2]!));
    });
  });
}
