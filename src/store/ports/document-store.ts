/**
 * The documents and their chunks in the Store. Ids are stable slugs; putting a document with the same
 * id replaces its text and chunks as one unit (the chunk index follows). This layer knows nothing about
 * authorization: callers above it decide what a caller may see.
 */

export interface NewDocument {
  readonly id: string;
  readonly folder: string;
  readonly title: string;
  readonly body: string;
  readonly chunks: readonly string[];
  /** Where it came from (a path relative to the ingest root); never an absolute machine path. */
  readonly source?: string;
}

export interface StoredDocument {
  readonly id: string;
  readonly folder: string;
  readonly title: string;
  readonly body: string;
  readonly source: string | null;
  readonly sha256: string;
  readonly updatedAt: string;
}

export interface DocumentSummary {
  readonly id: string;
  readonly title: string;
}

/** A chunk id is `document key * CHUNKS_PER_DOCUMENT + seq`. */
export const CHUNKS_PER_DOCUMENT = 4096;

export type PutOutcome = 'created' | 'updated' | 'unchanged';

/** Stable document ids: lower-case slugs, also valid FGA object ids (`document:<id>`). */
export const DOCUMENT_ID = /^[a-z0-9][a-z0-9-]{0,127}$/;

export interface DocumentStore {
  /**
   * Inserts or replaces a document and its chunks as one unit; unchanged content (same folder, title and
   * body) is a no-op. An id that is not a DOCUMENT_ID, or more than CHUNKS_PER_DOCUMENT chunks, throws a
   * TypeError and changes nothing.
   */
  put(doc: NewDocument): Promise<PutOutcome>;
  /** The document; undefined when there is none. */
  get(id: string): Promise<StoredDocument | undefined>;
  /** The folder a document is filed under, if it exists (ingest uses it to move parent tuples). */
  folderOf(id: string): Promise<string | undefined>;
  /** Removes a document and its chunks; false when there was none. */
  remove(id: string): Promise<boolean>;
  /** Documents in id order after `after` (exclusive), optionally only among `within`. */
  page(after: string, limit: number, within?: readonly string[]): Promise<DocumentSummary[]>;
  /** The integer keys of the given documents (those that exist), for pre-filtering the chunk index. */
  keys(ids: readonly string[]): Promise<number[]>;
  /** The titles of the given documents (those that exist). */
  titles(ids: readonly string[]): Promise<Map<string, string>>;
  /** How many documents exist (a planner estimate; may be a few seconds old). */
  count(): Promise<number>;
}
