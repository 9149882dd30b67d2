import { afterEach, describe, expect, it } from 'vitest';
import type { AuditChainHead, AuditStore, StoredAuditEntry, StoredCheckpoint } from '../../../src/store/ports/audit-store.js';
import type { MakeStore, StoreFixture } from './fixture.js';

/** Every entry an async iterable yields. */
async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

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
async function expectOneChain(store: AuditStore, n: number): Promise<void> {
  const entries = await all(store.entries());
  expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  entries.forEach((e, i) => expect(e.prevHash).toBe(i === 0 ? GENESIS : entries[i - 1]!.hash));
  expect(await store.head()).toEqual({ seq: n, hash: entries.at(-1)!.hash });
}

export function describeAuditStoreContract(name: string, makeStore: MakeStore<AuditStore>): void {
  describe(`AuditStore contract: ${name}`, () => {
    let fixture: StoreFixture<AuditStore> | undefined;
    const open = () => (fixture = makeStore());
    afterEach(() => fixture?.close());

    it('starts empty: no head, no entries, and the first append is offered no previous entry', async () => {
      const { store } = open();
      expect(await store.head()).toBeUndefined();
      expect(await all(store.entries())).toEqual([]);
      expect(await store.recent(10)).toEqual([]);
      const seen: (AuditChainHead | undefined)[] = [];
      const first = await store.append(linkTo('a', seen));
      expect(seen).toEqual([undefined]);
      expect(first).toMatchObject({ seq: 1, prevHash: GENESIS });
    });

    it('offers each append the newest entry, keeps entries in seq order and moves the head', async () => {
      const { store } = open();
      const seen: (AuditChainHead | undefined)[] = [];
      const e1 = await store.append(linkTo('a', seen));
      const e2 = await store.append(linkTo('b', seen));
      const e3 = await store.append(linkTo('c', seen));
      expect(seen).toEqual([undefined, { seq: 1, hash: e1.hash }, { seq: 2, hash: e2.hash }]);
      expect(await all(store.entries())).toEqual([e1, e2, e3]);
      expect(await store.head()).toEqual({ seq: 3, hash: e3.hash });
    });

    it('keeps the data text byte for byte (the hash was computed over it)', async () => {
      const { store } = open();
      const dataJson = '{"b":"ünïcödé \\u2028","a":[1,2.5,null],"z":{"y":true}}';
      await store.append(linkTo('a', [], dataJson));
      expect((await all(store.entries()))[0]?.dataJson).toBe(dataJson);
    });

    it('returns the newest entries first, at most the limit', async () => {
      const { store } = open();
      for (const e of ['a', 'b', 'c', 'd']) await store.append(linkTo(e));
      expect((await store.recent(2)).map((e) => e.seq)).toEqual([4, 3]);
      expect((await store.recent(10)).map((e) => e.seq)).toEqual([4, 3, 2, 1]);
    });

    it('stores nothing when the builder throws, and passes the error on', async () => {
      const { store } = open();
      const e1 = await store.append(linkTo('a'));
      const boom = new Error('builder failed');
      await expect(async () =>
        store.append(() => {
          throw boom;
        }),
      ).rejects.toThrow(boom);
      expect(await all(store.entries())).toEqual([e1]);
      expect(await store.head()).toEqual({ seq: 1, hash: e1.hash });
    });

    it('refuses an entry whose seq is taken, and stores nothing of it', async () => {
      const { store } = open();
      const e1 = await store.append(linkTo('a'));
      await expect(async () => store.append(() => ({ ...e1, event: 'forged', hash: 'f'.repeat(64) }))).rejects.toThrow();
      expect(await all(store.entries())).toEqual([e1]);
      expect(await store.head()).toEqual({ seq: 1, hash: e1.hash });
    });

    it('links appends from two handles on the same storage into one chain', async () => {
      const { store, other } = open();
      const second = other();
      const seen: (AuditChainHead | undefined)[] = [];
      const e1 = await store.append(linkTo('a', seen));
      const e2 = await second.append(linkTo('b', seen));
      const e3 = await store.append(linkTo('c', seen));
      expect(seen).toEqual([undefined, { seq: 1, hash: e1.hash }, { seq: 2, hash: e2.hash }]);
      expect(await all(second.entries())).toEqual([e1, e2, e3]);
      expect(await second.head()).toEqual({ seq: 3, hash: e3.hash });
    });

    it('many writers make one chain: appends interleaved across three handles never fork or skip', async () => {
      const { store, other } = open();
      const handles = [store, other(), other()];
      let x = 7;
      for (let i = 0; i < 300; i++) {
        x = (x * 1103515245 + 12345) % 2 ** 31; // a fixed pseudo-random interleaving
        await handles[x % 3]!.append(linkTo(`w${x % 3}`));
      }
      await expectOneChain(handles[1]!, 300);
    });

    it('appends started at once on two handles wait for each other: one chain, each linked to the one before', async () => {
      const { store, other } = open();
      const handles = [store, other()];
      const seen: (AuditChainHead | undefined)[] = [];
      const stored = await Promise.all(Array.from({ length: 40 }, async (_, i) => handles[i % 2]!.append(linkTo(`c${i % 2}`, seen))));
      expect(stored.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(new Set(seen.map((h) => h?.seq ?? 0)).size).toBe(40); // no two appends were offered the same newest entry
      await expectOneChain(handles[1]!, 40);
    });

    it('reads entries from a seq and from a time, ascending', async () => {
      const { store } = open();
      for (let i = 0; i < 6; i++) await store.append(onDay('e'));
      expect((await all(store.entries({ fromSeq: 4 }))).map((e) => e.seq)).toEqual([4, 5, 6]);
      expect((await all(store.entries({ since: '2026-11-03T00:00:00.000Z' }))).map((e) => e.seq)).toEqual([3, 4, 5, 6]);
      expect((await all(store.entries({ since: '2026-11-03T00:00:00.001Z', fromSeq: 5 }))).map((e) => e.seq)).toEqual([5, 6]);
      expect(await all(store.entries({ since: '2026-12-01T00:00:00.000Z' }))).toEqual([]);
    });

    it('a reader paused inside its loop holds up no writer: appends and reads go on, and a long log still comes back whole and in order', async () => {
      const { store, other } = open();
      const N = 1203; // more than one page of any reasonable page size
      for (let i = 0; i < N; i++) await store.append(linkTo('e'));
      const seqs: number[] = [];
      let appended: StoredAuditEntry | undefined;
      for await (const e of store.entries({ fromSeq: 2 })) {
        seqs.push(e.seq);
        if (e.seq !== 2) continue;
        // Paused at its first entry: the same handle and another one write and read.
        appended = await store.append(linkTo('w'));
        await other().append(linkTo('x'));
        expect(await store.head()).toMatchObject({ seq: N + 2 });
        expect((await store.recent(2)).map((r) => r.seq)).toEqual([N + 2, N + 1]);
      }
      expect(appended).toMatchObject({ seq: N + 1 });
      // Every entry from 2 on, once each, ascending; those appended during the read may or may not be seen.
      expect(seqs.slice(0, N - 1)).toEqual(Array.from({ length: N - 1 }, (_, i) => i + 2));
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 2));
      await expectOneChain(store, N + 2);
    });

    it('a reader that leaves its loop early holds nothing: after twenty breaks and a throw, appends and reads go on', async () => {
      const { store } = open();
      for (let i = 0; i < 3; i++) await store.append(linkTo('e'));
      for (let i = 0; i < 20; i++) {
        for await (const e of store.entries()) {
          expect(e.seq).toBe(1);
          break;
        }
      }
      const stop = new Error('reader gave up');
      await expect(async () => {
        for await (const e of store.entries({ fromSeq: 2 })) if (e.seq === 2) throw stop;
      }).rejects.toThrow(stop);
      expect(await store.append(linkTo('e'))).toMatchObject({ seq: 4 });
      await expectOneChain(store, 4);
    });

    it('keeps checkpoints as given, ascending, the first one per seq, and their verified mark on every handle', async () => {
      const { store, other } = open();
      const es: StoredAuditEntry[] = [];
      for (let i = 0; i < 4; i++) es.push(await store.append(onDay('e')));
      await store.addCheckpoint(checkpointAt(es[3]!));
      await store.addCheckpoint(checkpointAt(es[1]!));
      await store.addCheckpoint({ ...checkpointAt(es[1]!), jws: 'second-try' });
      expect(await store.checkpoints()).toEqual([checkpointAt(es[1]!), checkpointAt(es[3]!)]);
      await store.markVerified(2, '2026-12-01T00:00:00.000Z');
      await store.markVerified(3, '2026-12-01T00:00:00.000Z');
      expect(await other().checkpoints()).toEqual([{ ...checkpointAt(es[1]!), verifiedAt: '2026-12-01T00:00:00.000Z' }, checkpointAt(es[3]!)]);
      expect(await store.anchor()).toBeUndefined();
    });

    it('prunes up to an anchor as one unit: older entries and checkpoints go, the anchor is kept, the head stays', async () => {
      const { store, other } = open();
      const es: StoredAuditEntry[] = [];
      for (let i = 0; i < 6; i++) es.push(await store.append(onDay('e')));
      for (const seq of [2, 4, 6]) await store.addCheckpoint(checkpointAt(es[seq - 1]!));
      expect(await store.prune(checkpointAt(es[3]!))).toBe(4);
      const second = other();
      expect((await all(second.entries())).map((e) => e.seq)).toEqual([5, 6]);
      expect((await second.checkpoints()).map((c) => c.seq)).toEqual([4, 6]);
      expect(await second.anchor()).toEqual(checkpointAt(es[3]!));
      expect(await second.head()).toEqual({ seq: 6, hash: es[5]!.hash });
      const e7 = await second.append(onDay('e'));
      expect(e7).toMatchObject({ seq: 7, prevHash: es[5]!.hash });
    });

    it('refuses an anchor behind the current one or past the head, and changes nothing', async () => {
      const { store } = open();
      const es: StoredAuditEntry[] = [];
      for (let i = 0; i < 4; i++) es.push(await store.append(onDay('e')));
      await store.prune(checkpointAt(es[2]!));
      await expect(async () => store.prune(checkpointAt(es[1]!))).rejects.toThrow(RangeError);
      await expect(async () => store.prune({ seq: 9, hash: 'x'.repeat(64), at: '2026-11-09T00:00:00.000Z', jws: 'x' })).rejects.toThrow(RangeError);
      expect((await all(store.entries())).map((e) => e.seq)).toEqual([4]);
      expect(await store.anchor()).toEqual(checkpointAt(es[2]!));
    });
  });
}
