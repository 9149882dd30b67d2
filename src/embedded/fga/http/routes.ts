/**
 * The OpenFGA HTTP API over the embedded engine (the subset @openfga/sdk uses: stores, authorization
 * models, write, read, check, batch-check, list-objects, list-users).
 *
 * Capped lists: when ListObjects or ListUsers stopped at the server cap (1000 results by default), the
 * response carries the header `x-gatehouse-truncated: true` and the extra body field
 * `"truncated": true`. @openfga/sdk ignores both; Gatehouse's Authorizer reads them.
 */
import express, { type Request, type Router } from 'express';
import type { FgaEngine } from '../engine.js';
import { FgaError, FgaValidationError } from '../errors.js';
import { toListedUser } from '../list-users.js';
import { encodeToken } from '../read-tuples.js';
import {
  batchCheckSchema,
  checkSchema,
  createStoreSchema,
  listObjectsSchema,
  listUsersSchema,
  pageQuerySchema,
  readSchema,
  storeIdSchema,
  writeModelSchema,
  writeSchema,
} from './schemas.js';
import { parseBody } from './error-response.js';

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

  r.post('/stores/:storeId/check', (req, res) => {
    const id = storeId(req);
    const body = parseBody(checkSchema, req.body);
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
    const { objects, capped } = engine.listObjects(id, {
      authorizationModelId: body.authorization_model_id,
      user: body.user,
      relation: body.relation,
      type: body.type,
      contextualTuples: body.contextual_tuples?.tuple_keys,
      context: body.context,
    });
    if (capped) res.setHeader(TRUNCATED_HEADER, 'true');
    res.json(capped ? { objects, truncated: true } : { objects });
  });
  r.post('/stores/:storeId/list-users', (req, res) => {
    const id = storeId(req);
    const body = parseBody(listUsersSchema, req.body);
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
