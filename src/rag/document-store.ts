// The document store's contract lives with the Store ports; retrieval and ingest use it through these.
export { CHUNKS_PER_DOCUMENT, DOCUMENT_ID } from '../store/ports/document-store.js';
export type { DocumentStore, DocumentSummary, NewDocument, PutOutcome, StoredDocument } from '../store/ports/document-store.js';
