/**
 * Documents as MCP resources, `doc://{id}`, for one verified caller: resources/list pages through only
 * the documents FGA lets the caller view (opaque cursor = the last id returned, itself viewable);
 * resources/read checks `viewer` first and fails closed. An unknown and a forbidden document give the
 * same error (-32602 with the URI, on every revision: 2026-07-28 requires it, and the SDK answers so on
 * the older ones too); an FGA outage gives its own, and neither ever comes with document data.
 */
import { ResourceNotFoundError, type McpServer, type ProtocolError } from '@modelcontextprotocol/server';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.js';
import { GatehouseError } from '../errors.js';
import type { Caller } from '../identity/caller.js';
import { missingScopes } from '../identity/scopes.js';
import { JSONRPC_ERROR, jsonRpcError } from '../lib/jsonrpc-error.js';
import type { Logger } from '../log.js';
import type { DocumentSummary, StoredDocument } from '../rag/document-store.js';
import { DOCUMENT_ID } from '../rag/document-store.js';

export interface DocumentResources {
  page(caller: Caller, after: string, size: number): Promise<{ docs: DocumentSummary[]; more: boolean }>;
  read(caller: Caller, id: string): Promise<StoredDocument>;
}

export const DOC_URI_PREFIX = 'doc://';
const PAGE_SIZE = 50;
const REQUIRED_SCOPE = 'docs:read';
const Cursor = z.object({ after: z.string().regex(DOCUMENT_ID) }).strict();

export function docUri(id: string): string {
  return `${DOC_URI_PREFIX}${id}`;
}

export function registerDocumentResources(server: McpServer, docs: DocumentResources, audit: AuditLog, logger: Logger, caller: Caller): void {
  const low = server.server;
  low.registerCapabilities({ resources: {} });
  const who = { sub: caller.sub, kind: caller.kind, client: caller.clientId, org: caller.orgId ?? null };

  low.setRequestHandler('resources/templates/list', async () => ({
    resourceTemplates: [{ uriTemplate: `${DOC_URI_PREFIX}{id}`, name: 'document', title: 'Document', description: 'A document you can view', mimeType: 'text/markdown' }],
  }));

  low.setRequestHandler('resources/list', async (req) => {
    requireScope(caller);
    const after = decodeCursor(req.params?.cursor);
    try {
      const { docs: page, more } = await docs.page(caller, after, PAGE_SIZE);
      await audit.append('resources_list', { ...who, returned: page.length, result: 'ok' });
      const last = page[page.length - 1];
      return {
        resources: page.map((d) => ({ uri: docUri(d.id), name: d.id, title: d.title, mimeType: 'text/markdown' })),
        ...(more && last ? { nextCursor: encodeCursor(last.id) } : {}),
      };
    } catch (err) {
      throw await edgeError(err, audit, logger, 'resources_list', who);
    }
  });

  low.setRequestHandler('resources/read', async (req) => {
    requireScope(caller);
    const uri = req.params.uri;
    const id = uri.startsWith(DOC_URI_PREFIX) ? uri.slice(DOC_URI_PREFIX.length) : '';
    if (!DOCUMENT_ID.test(id)) throw notFound(uri);
    try {
      const doc = await docs.read(caller, id);
      await audit.append('resource_read', { ...who, uri, result: 'ok' });
      return { contents: [{ uri, mimeType: 'text/markdown', text: doc.body }] };
    } catch (err) {
      if (err instanceof GatehouseError && (err.code === 'not_found' || err.code === 'forbidden')) {
        await audit.append('resource_read', { ...who, uri, result: 'error', error: err.code });
        throw notFound(uri);
      }
      throw await edgeError(err, audit, logger, 'resource_read', { ...who, uri });
    }
  });
}

function requireScope(caller: Caller): void {
  if (missingScopes(caller.scopes, [REQUIRED_SCOPE]).length) {
    throw jsonRpcError(JSONRPC_ERROR.invalidRequest, `Reading documents needs the ${REQUIRED_SCOPE} scope.`);
  }
}

function notFound(uri: string): ProtocolError {
  return new ResourceNotFoundError(uri, 'Resource not found');
}

function encodeCursor(after: string): string {
  return Buffer.from(JSON.stringify({ after })).toString('base64url');
}

function decodeCursor(cursor: string | undefined): string {
  if (cursor === undefined) return '';
  try {
    return Cursor.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))).after;
  } catch {
    throw jsonRpcError(JSONRPC_ERROR.invalidParams, 'Invalid cursor');
  }
}

/** The one translation of a failure to a JSON-RPC error: typed errors keep their kind, the rest get a reference. */
async function edgeError(err: unknown, audit: AuditLog, logger: Logger, event: string, who: Record<string, unknown>): Promise<ProtocolError> {
  if (err instanceof GatehouseError && err.code !== 'internal_error') {
    await audit.append(event, { ...who, result: 'error', error: err.code });
    const code = err.code === 'invalid_request' ? JSONRPC_ERROR.invalidParams : JSONRPC_ERROR.internalError;
    return jsonRpcError(code, `${err.message} [${err.code}]`, { code: err.code });
  }
  const reference = randomUUID();
  await audit.append(event, { ...who, result: 'error', error: 'internal_error', reference });
  logger.error({ err, reference }, `${event} failed`);
  return jsonRpcError(JSONRPC_ERROR.internalError, `Internal error (reference ${reference})`, { code: 'internal_error', reference });
}
