/**
 * The HTTP API through @openfga/sdk: error bodies the SDK maps to its error classes, the server caps
 * (100 tuples per write, 50 checks per batch, capped lists flagged), depth limit and Read paging.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FgaApiNotFoundError, FgaApiValidationError, type OpenFgaClient } from '@openfga/sdk';
import { dslToModel } from '../../../src/embedded/fga/dsl.js';
import { startTestServer, type FgaTestServer } from './helpers.js';

const MODEL = `model
  schema 1.1
type user
type group
  relations
    define member: [user, group#member]
type doc
  relations
    define viewer: [user, group#member, user with young]
condition young(age: int) {
  age < 30
}`;

let fga: FgaTestServer;
let client: OpenFgaClient;
let storeId: string;

beforeAll(async () => {
  fga = await startTestServer({ limits: { listObjectsMaxResults: 5 } });
  storeId = (await fga.client().createStore({ name: 'http-api' })).id;
  const { authorization_model_id } = await fga.client(storeId).writeAuthorizationModel(dslToModel(MODEL) as never);
  client = fga.client(storeId, authorization_model_id);
});
afterAll(() => fga?.close());

async function post(path: string, body: unknown): Promise<{ status: number; body: { code?: string; message?: string } }> {
  const res = await fetch(`${fga.server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...fga.authorization }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { code?: string; message?: string } };
}

describe('embedded FGA HTTP API', () => {
  it('answers bad input with OpenFGA error bodies that the SDK maps to FgaApiValidationError', async () => {
    const err = await client.check({ user: 'user:a', relation: 'nope', object: 'doc:1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FgaApiValidationError);
    expect((err as FgaApiValidationError).apiErrorCode).toBe('validation_error');

    const raw = await post(`/stores/${storeId}/check`, { tuple_key: { user: 'user:a' } });
    expect(raw.status).toBe(400);
    expect(raw.body).toMatchObject({ code: 'validation_error', message: expect.stringContaining('tuple_key') });

    const missing = await fga.client('01ARZ3NDEKTSV4RRFFQ69G5FAV').check({ user: 'user:a', relation: 'viewer', object: 'doc:1' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(FgaApiNotFoundError);

    const badModel = await fga.client(storeId).writeAuthorizationModel({ schema_version: '1.1', type_definitions: [{ type: 'doc', relations: { viewer: { computedUserset: { relation: 'owner' } } } }] }).catch((e: unknown) => e);
    expect((badModel as FgaApiValidationError).apiErrorCode).toBe('invalid_authorization_model');
  });

  it('refuses more than 100 tuples in one write, and writes nothing', async () => {
    const writes = Array.from({ length: 101 }, (_, i) => ({ user: `user:w${i}`, relation: 'viewer', object: 'doc:w' }));
    const err = await client.write({ writes }).catch((e: unknown) => e);
    expect((err as FgaApiValidationError).apiErrorCode).toBe('exceeded_entity_limit');
    expect((await client.read({ object: 'doc:w' })).tuples).toHaveLength(0);
  });

  it('refuses more than 50 checks in one batch', async () => {
    const checks = Array.from({ length: 51 }, (_, i) => ({ tuple_key: { user: 'user:a', relation: 'viewer', object: 'doc:1' }, correlation_id: `c${i}` }));
    const res = await post(`/stores/${storeId}/batch-check`, { checks });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_error');
    expect(res.body.message).toMatch(/maximum allowed is 50/);
  });

  it('flags a capped list (header and extra body field) and returns exactly the cap', async () => {
    await client.write({ writes: Array.from({ length: 7 }, (_, i) => ({ user: 'user:lister', relation: 'viewer', object: `doc:l${i}` })) });
    const r = await client.listObjects({ user: 'user:lister', relation: 'viewer', type: 'doc' });
    expect(r.objects).toHaveLength(5);
    expect((r as unknown as { truncated?: boolean }).truncated).toBe(true);
    expect(r.$response.headers['x-gatehouse-truncated']).toBe('true');
    const small = await client.listObjects({ user: 'user:nobody', relation: 'viewer', type: 'doc' });
    expect((small as unknown as { truncated?: boolean }).truncated).toBeUndefined();
  });

  it('evaluates conditions from the request context; a missing parameter is a validation error', async () => {
    await client.write({ writes: [{ user: 'user:kid', relation: 'viewer', object: 'doc:c', condition: { name: 'young', context: {} } }] });
    expect((await client.check({ user: 'user:kid', relation: 'viewer', object: 'doc:c', context: { age: 12 } })).allowed).toBe(true);
    expect((await client.check({ user: 'user:kid', relation: 'viewer', object: 'doc:c', context: { age: 40 } })).allowed).toBe(false);
    const err = await client.check({ user: 'user:kid', relation: 'viewer', object: 'doc:c' }).catch((e: unknown) => e);
    expect((err as FgaApiValidationError).apiErrorCode).toBe('validation_error');
  });

  it('stops at resolve depth 25 with resolution_too_complex', async () => {
    const writes = Array.from({ length: 30 }, (_, i) => ({ user: `group:g${i + 1}#member`, relation: 'member', object: `group:g${i}` }));
    await client.write({ writes });
    await client.write({ writes: [{ user: 'user:deep', relation: 'member', object: 'group:g30' }] });
    const err = await client.check({ user: 'user:deep', relation: 'member', object: 'group:g0' }).catch((e: unknown) => e);
    expect((err as FgaApiValidationError).apiErrorCode).toBe('authorization_model_resolution_too_complex');
    expect((await client.check({ user: 'user:deep', relation: 'member', object: 'group:g10' })).allowed).toBe(true);
  });

  it('pages Read with continuation tokens, in write order', async () => {
    await client.write({ writes: Array.from({ length: 12 }, (_, i) => ({ user: `user:p${i}`, relation: 'viewer', object: 'doc:paged' })) });
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.read({ object: 'doc:paged' }, { pageSize: 5, continuationToken: token });
      expect(page.tuples.length).toBeLessThanOrEqual(5);
      seen.push(...page.tuples.map((t) => t.key.user));
      token = page.continuation_token || undefined;
    } while (token);
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => `user:p${i}`));
    const bad = await post(`/stores/${storeId}/read`, { continuation_token: 'garbage' });
    expect(bad.body.code).toBe('invalid_continuation_token');
  });

  it('ignores duplicate writes and missing deletes only when asked', async () => {
    const t = { user: 'user:dup', relation: 'viewer', object: 'doc:dup' };
    await client.write({ writes: [t] });
    const err = await client.write({ writes: [t] }).catch((e: unknown) => e);
    expect((err as FgaApiValidationError).apiErrorCode).toBe('write_failed_due_to_invalid_input');
    await client.write({ writes: [t] }, { conflict: { onDuplicateWrites: 'ignore' as never } });
    await client.write({ deletes: [t] });
    await client.write({ deletes: [t] }, { conflict: { onMissingDeletes: 'ignore' as never } });
    expect((await client.check(t)).allowed).toBe(false);
  });
});
