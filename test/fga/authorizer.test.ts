/**
 * The Authorizer against the real embedded FGA server (no mocks): answers, chunking for the server
 * caps, idempotent writes, and failing closed when FGA errors or is gone.
 */
import { FgaApiAuthenticationError } from '@openfga/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorizationUnavailableError, InvalidRequestError } from '../../src/errors.js';
import { createAuthorizer, type Authorizer } from '../../src/fga/authorizer.js';
import { dslToModel } from '../../src/embedded/fga/dsl.js';
import { startTestServer, type FgaTestServer } from '../embedded/fga/helpers.js';

const MODEL = `model
  schema 1.1
type user
type doc
  relations
    define viewer: [user, user with until]
condition until(current_time: timestamp, not_after: timestamp) {
  current_time < not_after
}`;

let fga: FgaTestServer;
let authz: Authorizer;

beforeAll(async () => {
  fga = await startTestServer();
  const storeId = (await fga.client().createStore({ name: 'authorizer' })).id;
  const { authorization_model_id: modelId } = await fga.client(storeId).writeAuthorizationModel(dslToModel(MODEL) as never);
  authz = createAuthorizer({ apiUrl: fga.server.url, storeId, modelId, apiToken: fga.apiKey });
});
afterAll(() => fga?.close());

describe('Authorizer', () => {
  it('writes idempotently in chunks of 100 and answers checks', async () => {
    const writes = Array.from({ length: 250 }, (_, i) => ({ user: 'user:ann', relation: 'viewer', object: `doc:${i}` }));
    await authz.writeTuples(writes);
    await authz.writeTuples(writes.slice(0, 10)); // duplicates are ignored
    expect(await authz.check({ user: 'user:ann', relation: 'viewer', object: 'doc:249' })).toBe(true);
    expect(await authz.check({ user: 'user:bob', relation: 'viewer', object: 'doc:1' })).toBe(false);
    await authz.writeTuples([], [writes[0], { user: 'user:ghost', relation: 'viewer', object: 'doc:0' }]);
    expect(await authz.check({ user: 'user:ann', relation: 'viewer', object: 'doc:0' })).toBe(false);
  });

  it('batch-checks any number of queries, in order, 50 per request', async () => {
    const qs = Array.from({ length: 120 }, (_, i) => ({ user: i % 2 ? 'user:ann' : 'user:bob', relation: 'viewer', object: `doc:${i + 1}` }));
    expect(await authz.batchCheck(qs)).toEqual(qs.map((q) => q.user === 'user:ann'));
  });

  it('passes context and contextual tuples', async () => {
    const q = {
      user: 'user:carl',
      relation: 'viewer',
      object: 'doc:ctx',
      contextualTuples: [{ user: 'user:carl', relation: 'viewer', object: 'doc:ctx', condition: { name: 'until', context: { not_after: '2030-01-01T00:00:00Z' } } }],
    };
    expect(await authz.check({ ...q, context: { current_time: '2029-01-01T00:00:00Z' } })).toBe(true);
    expect(await authz.check({ ...q, context: { current_time: '2031-01-01T00:00:00Z' } })).toBe(false);
  });

  it('lists objects and says whether the list is complete', async () => {
    const r = await authz.listObjects({ user: 'user:ann', relation: 'viewer', type: 'doc' });
    expect(r.complete).toBe(true);
    expect(r.objects).toHaveLength(249);
    await authz.writeTuples(Array.from({ length: 1001 }, (_, i) => ({ user: 'user:many', relation: 'viewer', object: `doc:m${i}` })));
    const capped = await authz.listObjects({ user: 'user:many', relation: 'viewer', type: 'doc' });
    expect(capped).toMatchObject({ complete: false });
    expect(capped.objects).toHaveLength(1000);
  });

  it('infers a capped list from the configured cap alone, never from a server-specific header', async () => {
    // A server capped at 3 (like OPENFGA_LIST_OBJECTS_MAX_RESULTS=3); the embedded one also flags the cut on the wire.
    const small = await startTestServer({ limits: { listObjectsMaxResults: 3 } });
    try {
      const storeId = (await small.client().createStore({ name: 'capped' })).id;
      const { authorization_model_id: modelId } = await small.client(storeId).writeAuthorizationModel(dslToModel(MODEL) as never);
      const at = (listObjectsCap?: number) => createAuthorizer({ apiUrl: small.server.url, storeId, modelId, apiToken: small.apiKey, listObjectsCap });
      await at().writeTuples(Array.from({ length: 5 }, (_, i) => ({ user: 'user:dee', relation: 'viewer', object: `doc:d${i}` })));
      const raw = await small.client(storeId, modelId).listObjects({ user: 'user:dee', relation: 'viewer', type: 'doc' });
      expect(raw.$response.headers['x-gatehouse-truncated']).toBe('true');
      // Told the cap, the Authorizer knows a list of that length may be cut short.
      expect(await at(3).listObjects({ user: 'user:dee', relation: 'viewer', type: 'doc' })).toMatchObject({ complete: false });
      // The stand-in's header is not part of the contract: against the default cap the same answer reads as complete.
      const unread = await at().listObjects({ user: 'user:dee', relation: 'viewer', type: 'doc' });
      expect(unread.objects).toHaveLength(3);
      expect(unread.complete).toBe(true);
      await at().writeTuples([], Array.from({ length: 3 }, (_, i) => ({ user: 'user:dee', relation: 'viewer', object: `doc:d${i}` })));
      expect(await at(3).listObjects({ user: 'user:dee', relation: 'viewer', type: 'doc' })).toMatchObject({ objects: expect.any(Array), complete: true });
    } finally {
      await small.close();
    }
  });

  it('turns a 400 into InvalidRequestError, never an answer', async () => {
    await expect(authz.check({ user: 'user:ann', relation: 'nope', object: 'doc:1' })).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(authz.batchCheck([{ user: 'user:ann', relation: 'nope', object: 'doc:1' }])).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it('fails closed when FGA answers with an error or is unreachable', async () => {
    const conditional = { user: 'user:carl', relation: 'viewer', object: 'doc:c2' };
    await authz.writeTuples([{ ...conditional, condition: { name: 'until', context: { not_after: '2030-01-01T00:00:00Z' } } }]);
    // A missing condition parameter is a 400 from FGA: an invalid request, not "allowed".
    await expect(authz.check(conditional)).rejects.toBeInstanceOf(InvalidRequestError);

    const unknownStore = createAuthorizer({ apiUrl: fga.server.url, storeId: '01ARZ3NDEKTSV4RRFFQ69G5FAV', apiToken: fga.apiKey });
    await expect(unknownStore.check(conditional)).rejects.toBeInstanceOf(AuthorizationUnavailableError);

    const other = await startTestServer();
    const storeId = (await other.client().createStore({ name: 'gone' })).id;
    const gone = createAuthorizer({ apiUrl: other.server.url, storeId, apiToken: other.apiKey });
    await other.close();
    const err = await gone.check({ user: 'user:ann', relation: 'viewer', object: 'doc:1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthorizationUnavailableError);
    expect((err as Error).cause).toBeDefined();
    await expect(gone.batchCheck([{ user: 'user:ann', relation: 'viewer', object: 'doc:1' }])).rejects.toBeInstanceOf(AuthorizationUnavailableError);
    await expect(gone.listObjects({ user: 'user:ann', relation: 'viewer', type: 'doc' })).rejects.toBeInstanceOf(AuthorizationUnavailableError);
    await expect(gone.writeTuples([{ user: 'user:ann', relation: 'viewer', object: 'doc:1' }])).rejects.toBeInstanceOf(AuthorizationUnavailableError);
  });
});

describe('Authorizer authentication (preshared key)', () => {
  it('sends its apiToken as a bearer key; without it or with a wrong one it fails closed, never answers', async () => {
    const storeId = (await fga.client().createStore({ name: 'authn' })).id;
    const { authorization_model_id: modelId } = await fga.client(storeId).writeAuthorizationModel(dslToModel(MODEL) as never);
    const q = { user: 'user:ann', relation: 'viewer', object: 'doc:authn' };
    const keyed = createAuthorizer({ apiUrl: fga.server.url, storeId, modelId, apiToken: fga.apiKey });
    await keyed.writeTuples([q]);
    expect(await keyed.check(q)).toBe(true);

    for (const apiToken of [undefined, 'wrong-key-0123456789']) {
      const other = createAuthorizer({ apiUrl: fga.server.url, storeId, modelId, apiToken });
      const err = await other.check(q).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthorizationUnavailableError);
      expect((err as Error).cause).toBeInstanceOf(FgaApiAuthenticationError);
      expect(((err as Error).cause as FgaApiAuthenticationError).apiErrorCode).toBe(apiToken ? 'unauthenticated' : 'bearer_token_missing');
      await expect(other.writeTuples([{ ...q, object: 'doc:other' }])).rejects.toBeInstanceOf(AuthorizationUnavailableError);
    }
    expect(await keyed.check({ ...q, object: 'doc:other' })).toBe(false);
  });

  it('refuses both client credentials and a preshared key', () => {
    expect(() =>
      createAuthorizer({
        apiUrl: fga.server.url,
        storeId: '01ARZ3NDEKTSV4RRFFQ69G5FAV',
        apiToken: fga.apiKey,
        credentials: { clientId: 'c', clientSecret: 's', apiTokenIssuer: 'issuer.example', apiAudience: 'https://api.example/' },
      }),
    ).toThrow(TypeError);
  });
});
