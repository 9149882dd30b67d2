import type { Authorizer } from '../fga/authorizer.js';
import { AuthorizedRetriever, type RetrieverOptions } from './authorized-retriever.js';
import type { DocumentStore } from './document-store.js';
import type { FtsIndex } from './fts-index.js';

export interface Documents {
  readonly store: DocumentStore;
  readonly index: FtsIndex;
  readonly retriever: AuthorizedRetriever;
}

/** The retrieval parts over one document store, its chunk index and one Authorizer (wired by app.ts). */
export function createDocuments(parts: { readonly store: DocumentStore; readonly index: FtsIndex }, authorizer: Authorizer, opts: RetrieverOptions = {}): Documents {
  return { ...parts, retriever: new AuthorizedRetriever(parts.store, parts.index, authorizer, opts) };
}
