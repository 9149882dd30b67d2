import { afterEach, describe, expect, it } from 'vitest';
import { parseQuery } from '../../../src/rag/fts-index.js';
import type { ChunkIndex, FtsQuery } from '../../../src/store/ports/chunk-index.js';
import { CHUNKS_PER_DOCUMENT, type DocumentStore, type NewDocument } from '../../../src/store/ports/document-store.js';
import type { MakeStore, StoreFixture } from './fixture.js';

/** A document store and the chunk index over the same storage. */
export interface DocumentParts {
  readonly docs: DocumentStore;
  readonly index: ChunkIndex;
}

const doc = (id: string, chunks: string[], over: Partial<NewDocument> = {}): NewDocument => ({
  id,
  folder: 'handbook',
  title: `Title of ${id}`,
  body: chunks.join('\n\n'),
  chunks,
  source: `${id}.md`,
  ...over,
});
const q = (text: string): FtsQuery => parseQuery(text)!;

export function describeDocumentStoreContract(name: string, makeStore: MakeStore<DocumentParts>): void {
  describe(`DocumentStore and ChunkIndex contract: ${name}`, () => {
    let fixture: StoreFixture<DocumentParts> | undefined;
    const open = () => (fixture = makeStore()).store;
    afterEach(() => fixture?.close());

    it('creates, leaves unchanged, and updates a document; an unknown one is undefined, not an error', async () => {
      const { docs } = open();
      expect(await docs.put(doc('leave-policy', ['Annual leave is 25 days.']))).toBe('created');
      expect(await docs.put(doc('leave-policy', ['Annual leave is 25 days.']))).toBe('unchanged');
      expect(await docs.put(doc('leave-policy', ['Annual leave is 25 days.'], { folder: 'hr' }))).toBe('updated');
      expect(await docs.get('leave-policy')).toMatchObject({ id: 'leave-policy', folder: 'hr', title: 'Title of leave-policy', body: 'Annual leave is 25 days.', source: 'leave-policy.md' });
      expect((await docs.get('leave-policy'))?.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(await docs.folderOf('leave-policy')).toBe('hr');
      expect(await docs.get('nope')).toBeUndefined();
      expect(await docs.folderOf('nope')).toBeUndefined();
      expect(await docs.put(doc('no-source', ['x'], { source: undefined }))).toBe('created');
      expect((await docs.get('no-source'))?.source).toBeNull();
    });

    it('refuses a bad id or too many chunks with a TypeError and changes nothing', async () => {
      const { docs, index } = open();
      await docs.put(doc('kept', ['original words here']));
      await expect(async () => docs.put(doc('Bad Id', ['x']))).rejects.toThrow(TypeError);
      await expect(async () => docs.put(doc('../etc', ['x']))).rejects.toThrow(TypeError);
      const tooMany = Array.from({ length: CHUNKS_PER_DOCUMENT + 1 }, (_, i) => `replacement chunk ${i}`);
      await expect(async () => docs.put(doc('kept', tooMany, { title: 'Replaced' }))).rejects.toThrow(TypeError);
      expect(await docs.get('kept')).toMatchObject({ title: 'Title of kept', body: 'original words here' });
      expect((await index.chunks(q('original'), 10, 0)).map((c) => c.documentId)).toEqual(['kept']);
      expect(await index.chunks(q('replacement'), 10, 0)).toEqual([]);
      expect(await docs.count()).toBe(1);
    });

    it('replacing a document replaces its chunks in the index; removing it removes them', async () => {
      const { docs, index } = open();
      await docs.put(doc('memo', ['the old budget figures']));
      await docs.put(doc('memo', ['the revised forecast']));
      expect(await index.chunks(q('budget'), 10, 0)).toEqual([]);
      expect((await index.chunks(q('forecast'), 10, 0)).map((c) => c.documentId)).toEqual(['memo']);
      expect(await docs.remove('memo')).toBe(true);
      expect(await docs.remove('memo')).toBe(false);
      expect(await index.chunks(q('forecast'), 10, 0)).toEqual([]);
      expect(await docs.get('memo')).toBeUndefined();
    });

    it('pages in id order after a cursor, optionally within a set, and reports keys and titles only of existing documents', async () => {
      const { docs } = open();
      for (const id of ['c-doc', 'a-doc', 'b-doc', 'd-doc']) await docs.put(doc(id, [`text of ${id}`]));
      expect((await docs.page('', 2)).map((d) => d.id)).toEqual(['a-doc', 'b-doc']);
      expect(await docs.page('b-doc', 10)).toEqual([
        { id: 'c-doc', title: 'Title of c-doc' },
        { id: 'd-doc', title: 'Title of d-doc' },
      ]);
      expect((await docs.page('', 10, ['d-doc', 'a-doc', 'ghost'])).map((d) => d.id)).toEqual(['a-doc', 'd-doc']);
      expect(await docs.page('', 10, [])).toEqual([]);
      expect(await docs.keys(['a-doc', 'ghost', 'c-doc'])).toHaveLength(2);
      expect(await docs.titles(['b-doc', 'ghost'])).toEqual(new Map([['b-doc', 'Title of b-doc']]));
      expect(await docs.count()).toBe(4);
    });

    it('ranks chunks in one total order; a restriction removes chunks without changing scores; paging agrees', async () => {
      const { docs, index } = open();
      await docs.put(doc('alpha', ['deploy deploy deploy the service', 'unrelated words']));
      await docs.put(doc('beta', ['how to deploy']));
      await docs.put(doc('gamma', ['deploy notes and more deploy notes']));
      const all = await index.chunks(q('deploy'), 10, 0);
      expect(all.map((c) => c.documentId).sort()).toEqual(['alpha', 'beta', 'gamma']);
      for (let i = 1; i < all.length; i++) {
        const [a, b] = [all[i - 1]!, all[i]!];
        expect(a.bm25 < b.bm25 || (a.bm25 === b.bm25 && a.chunk < b.chunk)).toBe(true);
      }
      expect([...(await index.chunks(q('deploy'), 1, 0)), ...(await index.chunks(q('deploy'), 2, 1))]).toEqual(all);
      const keys = new Set(await docs.keys(['beta', 'gamma']));
      expect(await index.chunks(q('deploy'), 10, 0, keys)).toEqual(all.filter((c) => c.documentId !== 'alpha'));
      expect(await index.chunks(q('deploy'), 10, 0, new Set())).toEqual([]);
    });

    it('breaks score ties by chunk id, so a whole read, pages of any size and a restriction agree', async () => {
      const { docs, index } = open();
      // identical chunks score alike; put in an order unlike their ids
      for (const id of ['tie-d', 'tie-b', 'tie-e', 'tie-a', 'tie-c']) await docs.put(doc(id, ['quarterly forecast review', `filler ${id}`]));
      const all = await index.chunks(q('forecast'), 100, 0);
      expect(all).toHaveLength(5);
      expect(new Set(all.map((c) => c.bm25)).size).toBe(1);
      expect(all.map((c) => c.chunk)).toEqual([...all.map((c) => c.chunk)].sort((x, y) => x - y));
      for (const size of [1, 2, 3]) {
        const paged = [];
        for (let offset = 0; offset < 6; offset += size) paged.push(...(await index.chunks(q('forecast'), size, offset)));
        expect(paged, `pages of ${size}`).toEqual(all);
      }
      const keys = new Set(await docs.keys(['tie-b', 'tie-e']));
      expect(await index.chunks(q('forecast'), 100, 0, keys)).toEqual(all.filter((c) => c.documentId === 'tie-b' || c.documentId === 'tie-e'));
      expect(await index.chunks(q('forecast'), 1, 1, keys)).toEqual(all.filter((c) => c.documentId === 'tie-b' || c.documentId === 'tie-e').slice(1));
    });

    it('treats query syntax in the text as nothing but word breaks (quotes, operators, backslashes)', async () => {
      const { docs, index } = open();
      await docs.put(doc('salary', ['salary bands and budget']));
      await docs.put(doc('prefix', ['salaryman reports']));
      await docs.put(doc('holiday', ['holiday calendar']));
      const hostile = `salary" OR "x' ); DROP TABLE documents; -- & | ! : * ( ) \\ \\' sal:* !holiday NEAR(a b) text:budget`;
      const parsed = q(hostile);
      const plain = q(parsed.terms.join(' '));
      const hits = await index.chunks(parsed, 10, 0);
      expect(hits).toEqual(await index.chunks(plain, 10, 0));
      expect(hits.map((c) => c.documentId).sort()).toEqual(['holiday', 'salary']);
      expect(await index.snippet(parsed, hits.find((c) => c.documentId === 'salary')!.chunk)).toBe('**salary** bands and **budget**');
      expect(parseQuery('" \\ & | ! : * ( ) \' --')).toBeUndefined();
      expect(await docs.count()).toBe(3);
    });

    it('makes a snippet of exactly the chunk asked for, and none for a chunk that does not match', async () => {
      const { docs, index } = open();
      await docs.put(doc('one', ['salary bands are published yearly', 'holiday calendar']));
      await docs.put(doc('two', ['salary reviews happen in spring']));
      const hits = await index.chunks(q('salary'), 10, 0);
      const one = hits.find((c) => c.documentId === 'one')!;
      expect(await index.snippet(q('salary'), one.chunk)).toBe('**salary** bands are published yearly');
      const holiday = (await index.chunks(q('holiday'), 10, 0))[0]!;
      expect(await index.snippet(q('salary'), holiday.chunk)).toBe('');
      expect(await index.snippet(q('salary'), 987_654_321)).toBe('');
    });
  });
}
