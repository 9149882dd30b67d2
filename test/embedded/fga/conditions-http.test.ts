/**
 * Conditions over the HTTP API through @openfga/sdk: null comparisons on timestamps, durations and
 * ipaddresses and the `ipaddress()` function are accepted in models and evaluated like OpenFGA.
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
    define viewer: [user with has_expiry, user with from_office]
condition has_expiry(expires_at: timestamp, current_time: timestamp) {
  expires_at == null || current_time < expires_at
}
condition from_office(source_ip: ipaddress) {
  source_ip != null && source_ip.in_cidr("10.0.0.0/8") && source_ip != ipaddress("10.6.6.6")
}`;

let fga: FgaTestServer;
let client: OpenFgaClient;

beforeAll(async () => {
  fga = await startTestServer();
  const storeId = (await fga.client().createStore({ name: 'conditions-http' })).id;
  const { authorization_model_id } = await fga.client(storeId).writeAuthorizationModel(dslToModel(MODEL) as never);
  client = fga.client(storeId, authorization_model_id);
  await client.write({
    writes: [
      { user: 'user:ann', relation: 'viewer', object: 'doc:1', condition: { name: 'has_expiry', context: { expires_at: '2030-01-01T00:00:00Z' } } },
      { user: 'user:bob', relation: 'viewer', object: 'doc:1', condition: { name: 'from_office' } },
    ],
  });
});
afterAll(() => fga?.close());

describe('conditions over the API', () => {
  it('accepts null comparisons and ipaddress() in a model and evaluates them', async () => {
    expect((await client.check({ user: 'user:ann', relation: 'viewer', object: 'doc:1', context: { current_time: '2029-01-01T00:00:00Z' } })).allowed).toBe(true);
    expect((await client.check({ user: 'user:ann', relation: 'viewer', object: 'doc:1', context: { current_time: '2031-01-01T00:00:00Z' } })).allowed).toBe(false);
    expect((await client.check({ user: 'user:bob', relation: 'viewer', object: 'doc:1', context: { source_ip: '10.1.2.3' } })).allowed).toBe(true);
    expect((await client.check({ user: 'user:bob', relation: 'viewer', object: 'doc:1', context: { source_ip: '10.6.6.6' } })).allowed).toBe(false);
    expect((await client.check({ user: 'user:bob', relation: 'viewer', object: 'doc:1', context: { source_ip: '192.168.0.1' } })).allowed).toBe(false);
  });

  it('an absent parameter is not null: the check fails with validation_error naming it', async () => {
    const err = await client.check({ user: 'user:bob', relation: 'viewer', object: 'doc:1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FgaApiValidationError);
    expect((err as FgaApiValidationError).apiErrorCode).toBe('validation_error');
    expect((err as FgaApiValidationError).apiErrorMessage).toBe("failed to evaluate relationship condition 'from_office': context is missing parameters 'source_ip'");
  });

  it('a malformed address is a validation_error, never false', async () => {
    const err = await client.check({ user: 'user:bob', relation: 'viewer', object: 'doc:1', context: { source_ip: '10.0.0.300' } }).catch((e: unknown) => e);
    expect((err as FgaApiValidationError).apiErrorCode).toBe('validation_error');
    expect((err as FgaApiValidationError).apiErrorMessage).toMatch(/failed to convert context parameter 'source_ip': expected a well-formed IP address, but found: '10.0.0.300'/);
  });
});
