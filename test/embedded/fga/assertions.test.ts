/**
 * ReadAssertions / WriteAssertions through @openfga/sdk: a model's assertions are replaced as a whole,
 * read back per model, validated against that model, and refused for a model that does not exist.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FgaApiValidationError, type OpenFgaClient } from '@openfga/sdk';
import { dslToModel } from '../../../src/embedded/fga/dsl.js';
import { startTestServer, type FgaTestServer } from './helpers.js';

const MODEL = `model
  schema 1.1
type user
type doc
  relations
    define viewer: [user]`;

let fga: FgaTestServer;
let storeId: string;
let modelId: string;
let client: OpenFgaClient;

beforeAll(async () => {
  fga = await startTestServer();
  storeId = (await fga.client().createStore({ name: 'assertions' })).id;
  modelId = (await fga.client(storeId).writeAuthorizationModel(dslToModel(MODEL) as never)).authorization_model_id;
  client = fga.client(storeId, modelId);
});
afterAll(() => fga?.close());

describe('assertions', () => {
  it('reads none before any are written, then exactly the last list written', async () => {
    expect(await client.readAssertions()).toMatchObject({ authorization_model_id: modelId, assertions: [] });
    await client.writeAssertions([
      { user: 'user:ann', relation: 'viewer', object: 'doc:1', expectation: true },
      { user: 'user:bob', relation: 'viewer', object: 'doc:1', expectation: false },
    ]);
    const first = await client.readAssertions();
    expect(first.assertions).toEqual([
      { tuple_key: { user: 'user:ann', relation: 'viewer', object: 'doc:1' }, expectation: true },
      { tuple_key: { user: 'user:bob', relation: 'viewer', object: 'doc:1' }, expectation: false },
    ]);
    await client.writeAssertions([{ user: 'user:cat', relation: 'viewer', object: 'doc:2', expectation: true }]);
    expect((await client.readAssertions()).assertions).toEqual([{ tuple_key: { user: 'user:cat', relation: 'viewer', object: 'doc:2' }, expectation: true }]);
  });

  it('keeps assertions per model', async () => {
    const other = (await fga.client(storeId).writeAuthorizationModel(dslToModel(MODEL) as never)).authorization_model_id;
    expect((await fga.client(storeId, other).readAssertions()).assertions).toEqual([]);
    expect((await client.readAssertions()).assertions).toHaveLength(1);
  });

  it('refuses assertions the model cannot express, and writes nothing', async () => {
    const err = await client.writeAssertions([{ user: 'user:ann', relation: 'owner', object: 'doc:1', expectation: true }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FgaApiValidationError);
    expect((err as FgaApiValidationError).apiErrorCode).toBe('validation_error');
    expect((await client.readAssertions()).assertions).toHaveLength(1);

    const ctx = await fetch(`${fga.server.url}/stores/${storeId}/assertions/${modelId}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...fga.authorization },
      body: JSON.stringify({
        assertions: [
          {
            tuple_key: { user: 'user:ann', relation: 'viewer', object: 'doc:1' },
            expectation: true,
            contextual_tuples: [{ user: 'doc:9', relation: 'viewer', object: 'doc:1' }],
          },
        ],
      }),
    });
    expect(ctx.status).toBe(400);
    expect(((await ctx.json()) as { code: string }).code).toBe('validation_error');
    expect((await client.readAssertions()).assertions).toHaveLength(1);
  });

  it('refuses more than 100 assertions', async () => {
    const many = Array.from({ length: 101 }, (_, i) => ({ user: `user:u${i}`, relation: 'viewer', object: 'doc:1', expectation: true }));
    const err = await client.writeAssertions(many).catch((e: unknown) => e);
    expect((err as FgaApiValidationError).apiErrorCode).toBe('validation_error');
    expect((err as FgaApiValidationError).apiErrorMessage).toBe('invalid WriteAssertionsRequest.Assertions: value must contain no more than 100 item(s)');
  });

  it('refuses a model that does not exist, for reads and writes', async () => {
    const missing = fga.client(storeId, '01ARZ3NDEKTSV4RRFFQ69G5FAV');
    for (const call of [() => missing.readAssertions(), () => missing.writeAssertions([])]) {
      const err = await call().catch((e: unknown) => e);
      expect((err as FgaApiValidationError).apiErrorCode).toBe('authorization_model_not_found');
    }
  });
});
