/**
 * Two ingests moving one document into two different folders at once (two operators, or two instances
 * running `gatehouse docs add`): both read the same old folder before either stores the document. The
 * document must never stay visible through the folder whose ingest lost (the Store records the other),
 * nor through the old one. Real embedded FGA over its HTTP API, real SQLite document store.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dslToModel } from '../../src/embedded/fga/dsl.js';
import { createAuthorizer, type Authorizer } from '../../src/fga/authorizer.js';
import { ingestFiles } from '../../src/rag/ingest.js';
import type { DocumentStore } from '../../src/store/ports/document-store.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { SqliteDocumentStore } from '../../src/store/sqlite/document-store.js';
import { startTestServer, type FgaTestServer } from '../embedded/fga/helpers.js';

const MODEL = readFileSync(new URL('../../authz/model.fga', import.meta.url), 'utf8');
const FILE = { relPath: 'plans.md', text: '# Plans\n\nThe secret plans.' };

/** The document store, where the first `readers` folderOf calls answer only once all of them have asked (every ingest reads the old folder before any stores). */
function readingTogether(store: DocumentStore, readers: number): DocumentStore {
  let arrived = 0;
  let release!: () => void;
  const together = new Promise<void>((r) => (release = r));
  return {
    put: (d) => store.put(d),
    get: (id) => store.get(id),
    remove: (id) => store.remove(id),
    page: (after, limit, within) => store.page(after, limit, within),
    keys: (ids) => store.keys(ids),
    titles: (ids) => store.titles(ids),
    count: () => store.count(),
    async folderOf(id) {
      const folder = await store.folderOf(id);
      if (arrived < readers) {
        if (++arrived === readers) release();
        await together;
      }
      return folder;
    },
  };
}

describe('ingest: two moves of one document racing', () => {
  let fga: FgaTestServer;
  let authorizer: Authorizer;
  beforeAll(async () => {
    fga = await startTestServer();
    const storeId = (await fga.client().createStore({ name: 'ingest-race' })).id;
    const { authorization_model_id: modelId } = await fga.client(storeId).writeAuthorizationModel(dslToModel(MODEL) as never);
    authorizer = createAuthorizer({ apiUrl: fga.server.url, storeId, modelId, apiToken: fga.apiKey });
    await authorizer.writeTuples([
      { user: 'user:finn', relation: 'viewer', object: 'folder:finance' },
      { user: 'user:ella', relation: 'viewer', object: 'folder:engineering' },
      { user: 'user:olga', relation: 'viewer', object: 'folder:old' },
    ]);
  });
  afterAll(async () => {
    await fga?.close();
  });

  it('never ends visible through the folder that lost, nor the old one: only the folder the Store records keeps a parent', async () => {
    const db = openDatabase(':memory:');
    const store = new SqliteDocumentStore(db);
    await ingestFiles({ store, authorizer }, { folder: 'old' }, [FILE]);
    expect(await authorizer.check({ user: 'user:olga', relation: 'viewer', object: 'document:plans' })).toBe(true);

    const racing = readingTogether(store, 2);
    await Promise.all([
      ingestFiles({ store: racing, authorizer }, { folder: 'finance' }, [FILE]),
      ingestFiles({ store: racing, authorizer }, { folder: 'engineering' }, [FILE]),
    ]);

    const recorded = await store.folderOf('plans');
    expect(['finance', 'engineering']).toContain(recorded);
    // At most the recorded folder's parent is left (none when each ingest removed the other's: the document
    // is then visible to nobody until it is ingested again, the fail-closed end).
    const parents = (await authorizer.readTuples!({ object: 'document:plans', relation: 'parent' })).map((t) => t.user);
    expect(parents.filter((p) => p !== `folder:${recorded}`)).toEqual([]);
    const sees = async (user: string) => authorizer.check({ user, relation: 'viewer', object: 'document:plans' });
    const loser = recorded === 'finance' ? 'user:ella' : 'user:finn';
    expect({ loser: await sees(loser), old: await sees('user:olga') }).toEqual({ loser: false, old: false });

    // Ingesting it again (no race) makes it visible through the recorded folder.
    await ingestFiles({ store, authorizer }, { folder: recorded! }, [FILE]);
    expect(await sees(recorded === 'finance' ? 'user:finn' : 'user:ella')).toBe(true);
    expect(await sees(loser)).toBe(false);
    db.close();
  });
});
