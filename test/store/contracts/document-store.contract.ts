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

    it('creates, leaves unchanged, and updates a document; an unknown one is undefined, not an error', () => {
      const { docs } = open();
      expect(docs.put(doc('leave-policy', ['Annual leave is 25 days.']))).toBe('created');
      expect(docs.put(doc('leave-policy', ['Annual leave is 25 days.']))).toBe('unchanged');
      expect(docs.put(doc('leave-policy', ['Annual leave is 25 days.'], { folder: 'hr' }))).toBe('updated');
      expect(docs.get('leave-policy')).toMatchObject({ id: 'leave-policy', folder: 'hr', title: 'Title of leave-policy', body: 'Annual leave is 25 days.', source: 'leave-policy.md' });
      expect(docs.get('leave-policy')?.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(docs.folderOf('leave-policy')).toBe('hr');
      expect(docs.get('nope')).toBeUndefined();
      expect(docs.folderOf('nope')).toBeUndefined();
      expect(docs.put(doc('no-source', ['x'], { source: undefined }))).toBe('created');
      expect(docs.get('no-source')?.source).toBeNull();
    });

    it('refuses a bad id or too many chunks with a TypeError and changes nothing', () => {
      const { docs, index } = open();
      docs.put(doc('kept', ['original words here']));
      expect(() => docs.put(doc('Bad Id', ['x']))).toThrow(TypeError);
      expect(() => docs.put(doc('../etc', ['x']))).toThrow(TypeError);
      const tooMany = Array.from({ length: CHUNKS_PER_DOCUMENT + 1 }, (_, i) => `replacement chunk ${i}`);
      expect(() => docs.put(doc('kept', tooMany, { title: 'Replaced' }))).toThrow(TypeError);
      expect(docs.get('kept')).toMatchObject({ title: 'Title of kept', body: 'original words here' });
      expect(index.chunks(q('original'), 10, 0).map((c) => c.documentId)).toEqual(['kept']);
      expect(index.chunks(q('replacement'), 10, 0)).toEqual([]);
      expect(docs.count()).toBe(1);
    });

    it('replacing a document replaces its chunks in the index; removing it removes them', () => {
      const { docs, index } = open();
      docs.put(doc('memo', ['the old budget figures']));
      docs.put(doc('memo', ['the revised forecast']));
      expect(index.chunks(q('budget'), 10, 0)).toEqual([]);
      expect(index.chunks(q('forecast'), 10, 0).map((c) => c.documentId)).toEqual(['memo']);
      expect(docs.remove('memo')).toBe(true);
      expect(docs.remove('memo')).toBe(false);
      expect(index.chunks(q('forecast'), 10, 0)).toEqual([]);
      expect(docs.get('memo')).toBeUndefined();
    });

    it('pages in id order after a cursor, optionally within a set, and reports keys and titles only of existing documents', () => {
      const { docs } = open();
      for (const id of ['c-doc', 'a-doc', 'b-doc', 'd-doc']) docs.put(doc(id, [`text of ${id}`]));
      expect(docs.page('', 2).map((d) => d.id)).toEqual(['a-doc', 'b-doc']);
      expect(docs.page('b-doc', 10)).toEqual([
        { id: 'c-doc', title: 'Title of c-doc' },
        { id: 'd-doc', title: 'Title of d-doc' },
      ]);
      expect(docs.page('', 10, ['d-doc', 'a-doc', 'ghost']).map((d) => d.id)).toEqual(['a-doc', 'd-doc']);
      expect(docs.page('', 10, [])).toEqual([]);
      expect(docs.keys(['a-doc', 'ghost', 'c-doc'])).toHaveLength(2);
      expect(docs.titles(['b-doc', 'ghost'])).toEqual(new Map([['b-doc', 'Title of b-doc']]));
      expect(docs.count()).toBe(4);
    });

    it('ranks chunks in one total order; a restriction removes chunks without changing scores; paging agrees', () => {
      const { docs, index } = open();
      docs.put(doc('alpha', ['deploy deploy deploy the service', 'unrelated words']));
      docs.put(doc('beta', ['how to deploy']));
      docs.put(doc('gamma', ['deploy notes and more deploy notes']));
      const all = index.chunks(q('deploy'), 10, 0);
      expect(all.map((c) => c.documentId).sort()).toEqual(['alpha', 'beta', 'gamma']);
      for (let i = 1; i < all.length; i++) {
        const [a, b] = [all[i - 1]!, all[i]!];
        expect(a.bm25 < b.bm25 || (a.bm25 === b.bm25 && a.chunk < b.chunk)).toBe(true);
      }
      expect([...index.chunks(q('deploy'), 1, 0), ...index.chunks(q('deploy'), 2, 1)]).toEqual(all);
      const keys = new Set(docs.keys(['beta', 'gamma']));
      expect(index.chunks(q('deploy'), 10, 0, keys)).toEqual(all.filter((c) => c.documentId !== 'alpha'));
      expect(index.chunks(q('deploy'), 10, 0, new Set())).toEqual([]);
    });

    it('makes a snippet of exactly the chunk asked for, and none for a chunk that does not match', () => {
      const { docs, index } = open();
      docs.put(doc('one', ['salary bands are published yearly', 'holiday calendar']));
      docs.put(doc('two', ['salary reviews happen in spring']));
      const hits = index.chunks(q('salary'), 10, 0);
      const one = hits.find((c) => c.documentId === 'one')!;
      expect(index.snippet(q('salary'), one.chunk)).toBe('**salary** bands are published yearly');
      const holiday = index.chunks(q('holiday'), 10, 0)[0]!;
      expect(index.snippet(q('salary'), holiday.chunk)).toBe('');
      expect(index.snippet(q('salary'), 987_654_321)).toBe('');
    });
  });
}
