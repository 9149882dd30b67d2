import type { Authorizer } from '../fga/authorizer.js';
import type { SqliteDatabase } from '../store/sqlite/database.js';
import { AuthorizedRetriever, type RetrieverOptions } from './authorized-retriever.js';
import { DocumentStore } from './document-store.js';
import { FtsIndex } from './fts-index.js';

export interface Documents {
  readonly store: DocumentStore;
  readonly index: FtsIndex;
  readonly retriever: AuthorizedRetriever;
}

/** The retrieval parts over one database and one Authorizer (wired by app.ts). */
export function createDocuments(db: SqliteDatabase, authorizer: Authorizer, opts: RetrieverOptions = {}): Documents {
  const store = new DocumentStore(db);
  const index = new FtsIndex(db);
  return { store, index, retriever: new AuthorizedRetriever(store, index, authorizer, opts) };
}
