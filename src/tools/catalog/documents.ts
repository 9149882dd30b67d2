import { z } from 'zod';
import { ForbiddenError } from '../../errors.js';
import type { AuthorizedRetriever } from '../../rag/authorized-retriever.js';
import { DOCUMENT_ID, type DocumentStore } from '../../rag/document-store.js';
import { defineTool, type AnyTool } from '../define.js';

const docLink = (id: string, title: string, description?: string) => ({ uri: `doc://${id}`, name: title, description, mimeType: 'text/markdown' });

/**
 * Document tools. search_documents is authorized retrieval (the retriever checks every hit with FGA;
 * how it planned the search goes to the audit log only). read_document is checked by the authorize
 * gate; a document that is missing answers exactly like one the caller may not view.
 */
export function documentTools(deps: { retriever: AuthorizedRetriever; store: DocumentStore }): AnyTool[] {
  const searchDocuments = defineTool({
    name: 'search_documents',
    title: 'Search documents',
    description: 'Full-text search over the documents you can view. Returns up to k results (id, title, snippet, score) as doc:// resource links.',
    input: z
      .object({
        query: z.string().trim().min(1).max(500).describe('Words to search for'),
        k: z.number().int().min(1).max(50).default(10).describe('How many results (1-50)'),
      })
      .strict(),
    scopes: ['docs:read'],
    risk: 'low',
    callers: ['user'],
    readOnly: true,
    async run({ query, k }, ctx) {
      const { hits, trace } = await deps.retriever.search(ctx.caller, query, k);
      ctx.audit?.({ retrieval: trace });
      const text = hits.length
        ? hits.map((h, i) => `${i + 1}. ${h.title} (doc://${h.id}, score ${h.score})\n   ${h.snippet}`).join('\n')
        : 'No documents you can view match this query.';
      return { text, structured: { results: hits }, links: hits.map((h) => docLink(h.id, h.title, h.snippet)) };
    },
  });

  const readDocument = defineTool({
    name: 'read_document',
    title: 'Read a document',
    description: 'The full text of a document you can view, by id (as returned by search_documents).',
    input: z.object({ id: z.string().regex(DOCUMENT_ID, 'a document id such as "q3-budget"') }).strict(),
    scopes: ['docs:read'],
    risk: 'low',
    callers: ['user'],
    readOnly: true,
    authorize: { relation: 'viewer', object: (a) => `document:${a.id}` },
    async run({ id }) {
      const doc = await deps.store.get(id);
      // same words as the authorize gate's denial: unknown and forbidden are indistinguishable
      if (!doc) throw new ForbiddenError(`You do not have viewer access to document:${id}.`);
      return { text: doc.body, structured: { id: doc.id, title: doc.title, text: doc.body }, links: [docLink(doc.id, doc.title)] };
    },
  });

  return [searchDocuments, readDocument];
}
