/**
 * Expand through @openfga/sdk: OpenFGA's one-level userset tree (leaves of users, computed usersets and
 * tuple-to-usersets; union, intersection and difference nodes), contextual tuples, and its errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FgaApiValidationError, type OpenFgaClient } from '@openfga/sdk';
import { dslToModel } from '../../../src/embedded/fga/dsl.js';
import { startTestServer, type FgaTestServer } from './helpers.js';

const MODEL = `model
  schema 1.1
type user
type group
  relations
    define member: [user, group#member]
type folder
  relations
    define viewer: [user]
type doc
  relations
    define parent: [folder]
    define owner: [user]
    define blocked: [user]
    define editor: [user, group#member] and owner
    define viewer: ([user, user:*] or owner or viewer from parent) but not blocked`;

let fga: FgaTestServer;
let client: OpenFgaClient;

beforeAll(async () => {
  fga = await startTestServer();
  const storeId = (await fga.client().createStore({ name: 'expand' })).id;
  const { authorization_model_id } = await fga.client(storeId).writeAuthorizationModel(dslToModel(MODEL) as never);
  client = fga.client(storeId, authorization_model_id);
  await client.write({
    writes: [
      { user: 'user:bob', relation: 'viewer', object: 'doc:1' },
      { user: 'user:ann', relation: 'viewer', object: 'doc:1' },
      { user: 'user:*', relation: 'viewer', object: 'doc:1' },
      { user: 'folder:f', relation: 'parent', object: 'doc:1' },
      { user: 'group:eng#member', relation: 'editor', object: 'doc:1' },
    ],
  });
});
afterAll(() => fga?.close());

describe('Expand', () => {
  it('returns the userset tree of a difference over a union, as OpenFGA shapes it', async () => {
    const { tree } = await client.expand({ relation: 'viewer', object: 'doc:1' });
    expect(tree).toEqual({
      root: {
        name: 'doc:1#viewer',
        difference: {
          base: {
            name: 'doc:1#viewer',
            union: {
              nodes: [
                { name: 'doc:1#viewer', leaf: { users: { users: ['user:*', 'user:ann', 'user:bob'] } } },
                { name: 'doc:1#viewer', leaf: { computed: { userset: 'doc:1#owner' } } },
                { name: 'doc:1#viewer', leaf: { tupleToUserset: { tupleset: 'doc:1#parent', computed: [{ userset: 'folder:f#viewer' }] } } },
              ],
            },
          },
          subtract: { name: 'doc:1#viewer', leaf: { computed: { userset: 'doc:1#blocked' } } },
        },
      },
    });
  });

  it('expands intersections and usersets, and includes contextual tuples', async () => {
    const { tree } = await client.expand({
      relation: 'editor',
      object: 'doc:1',
      contextualTuples: [{ user: 'user:cat', relation: 'editor', object: 'doc:1' }],
    });
    expect(tree?.root).toEqual({
      name: 'doc:1#editor',
      intersection: {
        nodes: [
          { name: 'doc:1#editor', leaf: { users: { users: ['group:eng#member', 'user:cat'] } } },
          { name: 'doc:1#editor', leaf: { computed: { userset: 'doc:1#owner' } } },
        ],
      },
    });
  });

  it('refuses an unknown relation or type with validation_error, and an invalid contextual tuple with invalid_tuple', async () => {
    const rel = await client.expand({ relation: 'nope', object: 'doc:1' }).catch((e: unknown) => e);
    expect(rel).toBeInstanceOf(FgaApiValidationError);
    expect((rel as FgaApiValidationError).apiErrorCode).toBe('validation_error');
    expect((rel as FgaApiValidationError).apiErrorMessage).toBe("relation 'doc#nope' not found");
    const type = await client.expand({ relation: 'viewer', object: 'page:1' }).catch((e: unknown) => e);
    expect((type as FgaApiValidationError).apiErrorMessage).toBe("type 'page' not found");
    const ctx = await client
      .expand({ relation: 'viewer', object: 'doc:1', contextualTuples: [{ user: 'folder:x', relation: 'owner', object: 'doc:1' }] })
      .catch((e: unknown) => e);
    expect((ctx as FgaApiValidationError).apiErrorCode).toBe('invalid_tuple');
  });
});
