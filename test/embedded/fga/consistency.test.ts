/**
 * The consistency preference through @openfga/sdk: the three defined values are accepted on every
 * read-shaped endpoint; anything else is a 400 validation_error with OpenFGA's message, never ignored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsistencyPreference, FgaApiValidationError, type OpenFgaClient } from '@openfga/sdk';
import { dslToModel } from '../../../src/embedded/fga/dsl.js';
import { startTestServer, type FgaTestServer } from './helpers.js';

const MODEL = `model
  schema 1.1
type user
type doc
  relations
    define viewer: [user]`;

let fga: FgaTestServer;
let client: OpenFgaClient;
let storeId: string;

beforeAll(async () => {
  fga = await startTestServer();
  storeId = (await fga.client().createStore({ name: 'consistency' })).id;
  const { authorization_model_id } = await fga.client(storeId).writeAuthorizationModel(dslToModel(MODEL) as never);
  client = fga.client(storeId, authorization_model_id);
  await client.write({ writes: [{ user: 'user:ann', relation: 'viewer', object: 'doc:1' }] });
});
afterAll(() => fga?.close());

/** Every read-shaped call the SDK makes, with a consistency preference. */
const calls = (consistency: string) => {
  const opts = { consistency: consistency as ConsistencyPreference };
  return {
    check: () => client.check({ user: 'user:ann', relation: 'viewer', object: 'doc:1' }, opts),
    batchCheck: () => client.batchCheck({ checks: [{ user: 'user:ann', relation: 'viewer', object: 'doc:1' }] }, opts),
    listObjects: () => client.listObjects({ user: 'user:ann', relation: 'viewer', type: 'doc' }, opts),
    listUsers: () => client.listUsers({ object: { type: 'doc', id: '1' }, relation: 'viewer', user_filters: [{ type: 'user' }] }, opts),
    expand: () => client.expand({ relation: 'viewer', object: 'doc:1' }, opts),
    read: () => client.read({ object: 'doc:1' }, opts),
  };
};

describe('consistency preference', () => {
  it('accepts UNSPECIFIED, MINIMIZE_LATENCY and HIGHER_CONSISTENCY everywhere', async () => {
    for (const preference of ['UNSPECIFIED', 'MINIMIZE_LATENCY', 'HIGHER_CONSISTENCY']) {
      const c = calls(preference);
      expect((await c.check()).allowed).toBe(true);
      expect((await c.batchCheck()).result[0].allowed).toBe(true);
      expect((await c.listObjects()).objects).toEqual(['doc:1']);
      expect((await c.listUsers()).users).toEqual([{ object: { type: 'user', id: 'ann' } }]);
      expect((await c.expand()).tree?.root?.name).toBe('doc:1#viewer');
      expect((await c.read()).tuples).toHaveLength(1);
    }
  });

  it('refuses an undefined preference on every endpoint with validation_error', async () => {
    for (const [name, call] of Object.entries(calls('EVENTUAL'))) {
      const err = await call().catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(FgaApiValidationError);
      expect((err as FgaApiValidationError).apiErrorCode, name).toBe('validation_error');
      expect((err as FgaApiValidationError).apiErrorMessage, name).toBe('invalid value for enum field consistency: "EVENTUAL"');
    }
  });

  it('refuses an undefined enum number as protoc-gen-validate does', async () => {
    const res = await fetch(`${fga.server.url}/stores/${storeId}/check`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...fga.authorization },
      body: JSON.stringify({ tuple_key: { user: 'user:ann', relation: 'viewer', object: 'doc:1' }, consistency: 7 }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code: 'validation_error', message: 'invalid CheckRequest.Consistency: value must be one of the defined enum values' });
  });
});
