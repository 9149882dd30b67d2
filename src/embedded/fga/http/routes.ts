/**
 * The OpenFGA HTTP API over the embedded engine (what @openfga/sdk calls: stores, authorization
 * models, write, read, changes, assertions, check, batch-check, expand, list-objects,
 * streamed-list-objects, list-users).
 *
 * Capped lists: when ListObjects or ListUsers stopped at the server cap (1000 results by default), or
 * ListObjects at its deadline (3 s by default, where OpenFGA too answers with what it found), the
 * response carries the header `x-gatehouse-truncated: true` and the extra body field
 * `"truncated": true`. @openfga/sdk ignores both, and so does Gatehouse's Authorizer: it infers a
 * capped list from the cap alone, as it must against OpenFGA, which sends no such signal.
 */
import express, { type Request, type Router } from 'express';
import type { FgaEngine } from '../engine.js';
import { FGA_ERROR_NUMBERS, FgaError, FgaValidationError } from '../errors.js';
import { toListedUser } from '../list-users.js';
import { encodeToken } from '../read-tuples.js';
import {
  batchCheckSchema,
  checkSchema,
  createStoreSchema,
  expandSchema,
  listObjectsSchema,
  listUsersSchema,
  pageQuerySchema,
  readChangesQuerySchema,
  readSchema,
  storeIdSchema,
  writeAssertionsSchema,
  writeModelSchema,
  writeSchema,
} from './schemas.js';
import { parseConsistency } from './consistency.js';
import { errorBody, parseBody } from './error-response.js';

export const TRUNCATED_HEADER = 'x-gatehouse-truncated';

function storeId(req: Request): string {
  const r = storeIdSchema.safeParse(req.params.storeId);
  if (!r.success) throw new FgaValidationError(`invalid request: store_id: ${r.error.issues[0].message}`);
  return r.data;
}

/** Offset paging for the small collections (stores, models). */
function page<T>(items: T[], query: unknown): { items: T[]; token: string } {
  const q = parseBody(pageQuerySchema, query);
  const size = q.page_size ?? 50;
  let offset = 0;
  if (q.continuation_token) {
    offset = Number(Buffer.from(q.continuation_token, 'base64url').toString('utf8'));
    if (!Number.isInteger(offset) || offset < 0) throw new FgaValidationError('Invalid continuation token');
  }
  const slice = items.slice(offset, offset + size);
  const next = offset + size < items.length ? Buffer.from(String(offset + size)).toString('base64url') : '';
  return { items: slice, token: next };
}

export function fgaRoutes(engine: FgaEngine): Router {
  const r = express.Router();

  r.post('/stores', (req, res) => {
    const body = parseBody(createStoreSchema, req.body);
    res.status(201).json(engine.createStore(body.name));
  });
  r.get('/stores', (req, res) => {
    const { items, token } = page(engine.listStores(), req.query);
    res.json({ stores: items, continuation_token: token });
  });
  r.get('/stores/:storeId', (req, res) => {
    res.json(engine.getStore(storeId(req)));
  });
  r.delete('/stores/:storeId', (req, res) => {
    engine.deleteStore(storeId(req));
    res.status(204).end();
  });

  r.post('/stores/:storeId/authorization-models', (req, res) => {
    const id = storeId(req);
    const body = parseBody(writeModelSchema, req.body);
    res.status(201).json({ authorization_model_id: engine.writeAuthorizationModel(id, body as never) });
  });
  r.get('/stores/:storeId/authorization-models', (req, res) => {
    const { items, token } = page(engine.readAuthorizationModels(storeId(req)), req.query);
    res.json({ authorization_models: items, continuation_token: token });
  });
  r.get('/stores/:storeId/authorization-models/:modelId', (req, res) => {
    res.json({ authorization_model: engine.readAuthorizationModel(storeId(req), String(req.params.modelId)) });
  });

  r.post('/stores/:storeId/write', (req, res) => {
    const id = storeId(req);
    const body = parseBody(writeSchema, req.body);
    engine.write(id, {
      authorizationModelId: body.authorization_model_id,
      writes: body.writes?.tuple_keys ?? [],
      deletes: body.deletes?.tuple_keys ?? [],
      onDuplicate: body.writes?.on_duplicate ?? 'error',
      onMissing: body.deletes?.on_missing ?? 'error',
    });
    res.json({});
  });
  r.post('/stores/:storeId/read', (req, res) => {
    const id = storeId(req);
    const body = parseBody(readSchema, req.body);
    parseConsistency(body.consistency, 'ReadRequest');
    const result = engine.read(id, {
      tupleKey: body.tuple_key,
      pageSize: body.page_size ?? 50,
      continuationToken: body.continuation_token || undefined,
    });
    res.json({
      tuples: result.tuples.map((t) => ({ key: t.key, timestamp: t.timestamp })),
      continuation_token: result.continuationToken,
    });
  });

  r.get('/stores/:storeId/changes', (req, res) => {
    const id = storeId(req);
    const q = parseBody(readChangesQuerySchema, req.query);
    const result = engine.readChanges(id, {
      type: q.type || undefined,
      pageSize: q.page_size ?? 50,
      continuationToken: q.continuation_token || undefined,
      startTime: q.start_time || undefined,
    });
    res.json({ changes: result.changes, continuation_token: result.continuationToken });
  });

  r.get('/stores/:storeId/assertions/:modelId', (req, res) => {
    const id = storeId(req);
    const modelId = String(req.params.modelId);
    res.json({ authorization_model_id: modelId, assertions: engine.readAssertions(id, modelId) });
  });
  r.put('/stores/:storeId/assertions/:modelId', (req, res) => {
    const id = storeId(req);
    const body = parseBody(writeAssertionsSchema, req.body);
    engine.writeAssertions(id, String(req.params.modelId), body.assertions);
    res.status(204).end();
  });

  r.post('/stores/:storeId/expand', (req, res) => {
    const id = storeId(req);
    const body = parseBody(expandSchema, req.body);
    parseConsistency(body.consistency, 'ExpandRequest');
    const root = engine.expand(id, {
      authorizationModelId: body.authorization_model_id,
      object: body.tuple_key.object,
      relation: body.tuple_key.relation,
      contextualTuples: body.contextual_tuples?.tuple_keys,
    });
    res.json({ tree: { root } });
  });

  r.post('/stores/:storeId/check', (req, res) => {
    const id = storeId(req);
    const body = parseBody(checkSchema, req.body);
    parseConsistency(body.consistency, 'CheckRequest');
    const allowed = engine.check(id, {
      authorizationModelId: body.authorization_model_id,
      tupleKey: body.tuple_key,
      contextualTuples: body.contextual_tuples?.tuple_keys,
      context: body.context,
    });
    res.json({ allowed, resolution: '' });
  });
  r.post('/stores/:storeId/batch-check', (req, res) => {
    const id = storeId(req);
    const body = parseBody(batchCheckSchema, req.body);
    parseConsistency(body.consistency, 'BatchCheckRequest');
    const ids = new Set<string>();
    for (const c of body.checks) {
      if (ids.has(c.correlation_id)) throw new FgaValidationError(`duplicate correlation_id '${c.correlation_id}'`);
      ids.add(c.correlation_id);
    }
    const results = engine.batchCheck(
      id,
      body.checks.map((c) => ({ tupleKey: c.tuple_key, contextualTuples: c.contextual_tuples?.tuple_keys, context: c.context })),
      { authorizationModelId: body.authorization_model_id },
    );
    const result: Record<string, unknown> = {};
    body.checks.forEach((c, i) => {
      const r = results[i];
      result[c.correlation_id] =
        'allowed' in r
          ? { allowed: r.allowed }
          : r.error instanceof FgaError
            ? { allowed: false, error: { input_error: r.error.code, message: r.error.message } }
            : { allowed: false, error: { internal_error: 'internal_error', message: 'Internal Server Error' } };
    });
    res.json({ result });
  });

  r.post('/stores/:storeId/list-objects', (req, res) => {
    const id = storeId(req);
    const body = parseBody(listObjectsSchema, req.body);
    parseConsistency(body.consistency, 'ListObjectsRequest');
    const { objects, capped, deadlineExceeded } = engine.listObjects(id, {
      authorizationModelId: body.authorization_model_id,
      user: body.user,
      relation: body.relation,
      type: body.type,
      contextualTuples: body.contextual_tuples?.tuple_keys,
      context: body.context,
    });
    // A list cut short by the cap or the deadline is flagged alike: either way it is incomplete.
    const truncated = capped || deadlineExceeded;
    if (truncated) res.setHeader(TRUNCATED_HEADER, 'true');
    res.json(truncated ? { objects, truncated: true } : { objects });
  });

  /**
   * Newline-delimited JSON as OpenFGA's grpc-gateway streams it: one `{"result":{"object":...}}` per
   * allowed object, uncapped, until the deadline. Errors found before the first object are ordinary
   * error responses; one met mid-stream ends the stream with an `{"error":{code,message}}` line.
   */
  r.post('/stores/:storeId/streamed-list-objects', (req, res) => {
    const id = storeId(req);
    const body = parseBody(listObjectsSchema, req.body);
    parseConsistency(body.consistency, 'StreamedListObjectsRequest');
    const objects = engine.streamListObjects(id, {
      authorizationModelId: body.authorization_model_id,
      user: body.user,
      relation: body.relation,
      type: body.type,
      contextualTuples: body.contextual_tuples?.tuple_keys,
      context: body.context,
    });
    const first = objects.next();
    res.status(200).setHeader('content-type', 'application/json');
    try {
      for (let r = first; !r.done; r = objects.next()) res.write(`${JSON.stringify({ result: { object: r.value } })}\n`);
    } catch (e) {
      const { body: err } = errorBody(e);
      const code = FGA_ERROR_NUMBERS[err.code as keyof typeof FGA_ERROR_NUMBERS] ?? FGA_ERROR_NUMBERS.internal_error;
      res.write(`${JSON.stringify({ error: { code, message: err.message } })}\n`);
    }
    res.end();
  });
  r.post('/stores/:storeId/list-users', (req, res) => {
    const id = storeId(req);
    const body = parseBody(listUsersSchema, req.body);
    parseConsistency(body.consistency, 'ListUsersRequest');
    const { users, capped } = engine.listUsers(id, {
      authorizationModelId: body.authorization_model_id,
      object: body.object,
      relation: body.relation,
      userFilters: body.user_filters,
      contextualTuples: body.contextual_tuples,
      context: body.context,
    });
    if (capped) res.setHeader(TRUNCATED_HEADER, 'true');
    const listed = users.map(toListedUser);
    res.json(capped ? { users: listed, truncated: true } : { users: listed });
  });

  return r;
}
