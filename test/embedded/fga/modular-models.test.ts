/**
 * Schema 1.2 and modular models: an `fga.mod` with its module files (`module`, `extend type`) becomes
 * one model that WriteAuthorizationModel accepts through @openfga/sdk and that `gatehouse fga test`
 * runs from a store file's `model_file`; store-file tests may be unnamed, as with the fga CLI.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FgaApiValidationError } from '@openfga/sdk';
import { dslToModel } from '../../../src/embedded/fga/dsl.js';
import { FgaValidationError } from '../../../src/embedded/fga/errors.js';
import { loadStoreFile } from '../../../src/embedded/fga/store-file.js';
import { runStoreFileTests } from '../../../src/embedded/fga/store-file-runner.js';
import { startTestServer, type FgaTestServer } from './helpers.js';

const storeFile = fileURLToPath(new URL('./fixtures/modular/store.fga.yaml', import.meta.url));

let fga: FgaTestServer;
beforeAll(async () => {
  fga = await startTestServer();
});
afterAll(() => fga?.close());

describe('modular models (schema 1.2)', () => {
  it('loads fga.mod and its modules into one 1.2 model with module metadata', () => {
    const { model } = loadStoreFile(storeFile);
    expect(model.schema_version).toBe('1.2');
    const org = model.type_definitions.find((t) => t.type === 'organization');
    expect(Object.keys(org?.relations ?? {})).toEqual(['member', 'admin', 'can_create_project']);
    expect(org?.metadata?.module).toBe('core');
    expect(org?.metadata?.relations?.can_create_project?.module).toBe('issue-tracker');
    expect(model.conditions?.in_office?.metadata?.source_info?.file).toBe('issue-tracker/projects.fga');
  });

  it('is accepted by WriteAuthorizationModel and evaluated like any model', async () => {
    const storeId = (await fga.client().createStore({ name: 'modular' })).id;
    const { model } = loadStoreFile(storeFile);
    const { authorization_model_id } = await fga.client(storeId).writeAuthorizationModel(model as never);
    const client = fga.client(storeId, authorization_model_id);
    const stored = await client.readAuthorizationModel();
    expect(stored.authorization_model?.schema_version).toBe('1.2');
    expect(stored.authorization_model?.type_definitions.find((t) => t.type === 'project')?.metadata?.module).toBe('issue-tracker');
    await client.write({
      writes: [
        { user: 'user:anne', relation: 'admin', object: 'organization:acme' },
        { user: 'organization:acme', relation: 'organization', object: 'project:p' },
      ],
    });
    expect((await client.check({ user: 'user:anne', relation: 'viewer', object: 'project:p' })).allowed).toBe(true);
    expect((await client.check({ user: 'user:anne', relation: 'can_create_project', object: 'organization:acme' })).allowed).toBe(true);
  });

  it('accepts a single-file model declaring schema 1.2, and still refuses other versions', async () => {
    const storeId = (await fga.client().createStore({ name: 'schema-1-2' })).id;
    const model = dslToModel('model\n  schema 1.2\ntype user\ntype doc\n  relations\n    define viewer: [user]');
    expect(model.schema_version).toBe('1.2');
    await expect(fga.client(storeId).writeAuthorizationModel(model as never)).resolves.toHaveProperty('authorization_model_id');
    const err = await fga.client(storeId).writeAuthorizationModel({ ...model, schema_version: '1.3' } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FgaApiValidationError);
    expect((err as FgaApiValidationError).apiErrorMessage).toBe("invalid schema version '1.3': only 1.1 and 1.2 are supported");
  });

  it('runs the store file like `fga model test`, unnamed tests included', () => {
    const outcomes = runStoreFileTests(loadStoreFile(storeFile));
    expect(outcomes.filter((o) => !o.passed)).toEqual([]);
    expect(outcomes.map((o) => o.test)).toEqual(['test 1', 'test 1', 'test 1', 'viewers', 'viewers', 'viewers']);
  });

  it('refuses an fga.mod whose modules do not compose (a type extended in no module)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fga-mod-'));
    try {
      writeFileSync(join(dir, 'fga.mod'), "schema: '1.2'\ncontents:\n  - a.fga\n");
      writeFileSync(join(dir, 'a.fga'), 'module a\n\nextend type team\n  relations\n    define member: [team]\n');
      writeFileSync(join(dir, 'store.fga.yaml'), 'model_file: fga.mod\n');
      expect(() => loadStoreFile(join(dir, 'store.fga.yaml'))).toThrow(FgaValidationError);
      expect(() => loadStoreFile(join(dir, 'store.fga.yaml'))).toThrow(/the modular model could not be built/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
