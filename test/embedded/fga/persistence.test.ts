import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CredentialsMethod, OpenFgaClient } from '@openfga/sdk';
import { startEmbeddedFga } from '../../../src/embedded/fga/index.js';
import { openDatabase } from '../../../src/store/sqlite/database.js';

const API_KEY = 'persistence-test-key-0123456789';
const storeFile = fileURLToPath(new URL('../../../authz/store.fga.yaml', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-fga-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function start(seed = storeFile, dataDir = dir) {
  const db = openDatabase(join(dataDir, 'gatehouse.db'));
  const fga = await startEmbeddedFga({ db, host: '127.0.0.1', port: 0, apiKeys: [API_KEY], seedStoreFile: seed });
  const client = new OpenFgaClient({
    apiUrl: fga.url,
    storeId: fga.storeId,
    authorizationModelId: fga.modelId,
    credentials: { method: CredentialsMethod.ApiToken, config: { token: API_KEY } },
  });
  return { fga, client, stop: async () => { await fga.close(); db.close(); } };
}

const now = { current_time: '2026-06-01T00:00:00Z' };

describe('embedded FGA persistence', () => {
  it('survives a restart with the same store, model, tuples and answers', async () => {
    const first = await start();
    await first.client.write({ writes: [{ user: 'user:erin', relation: 'viewer', object: 'document:q3-budget' }] });
    await first.client.write({ deletes: [{ user: 'user:alice', relation: 'owner', object: 'document:engineering-roadmap' }] });
    const before = {
      erin: (await first.client.check({ user: 'user:erin', relation: 'viewer', object: 'document:q3-budget', context: now })).allowed,
      alice: (await first.client.listObjects({ user: 'user:alice', relation: 'owner', type: 'document', context: now })).objects,
      tuples: (await first.client.read({}, { pageSize: 100 })).tuples.map((t) => t.key),
    };
    expect(before.erin).toBe(true);
    expect(before.alice).toEqual([]);
    await first.stop();

    const second = await start();
    expect(second.fga.storeId).toBe(first.fga.storeId);
    expect(second.fga.modelId).toBe(first.fga.modelId);
    expect((await second.client.check({ user: 'user:erin', relation: 'viewer', object: 'document:q3-budget', context: now })).allowed).toBe(true);
    expect((await second.client.listObjects({ user: 'user:alice', relation: 'owner', type: 'document', context: now })).objects).toEqual([]);
    expect((await second.client.read({}, { pageSize: 100 })).tuples.map((t) => t.key)).toEqual(before.tuples);
    await second.stop();
  });

  it('a changed seed model (an upgrade) becomes the latest model; tuples written since are kept', async () => {
    const upgradeDir = mkdtempSync(join(tmpdir(), 'gatehouse-fga-upgrade-'));
    try {
      const first = await start(storeFile, upgradeDir);
      await first.client.write({ writes: [{ user: 'user:erin', relation: 'viewer', object: 'document:q3-budget' }] });
      await first.stop();

      // The same store file with one more type in its model.
      const seedDir = mkdtempSync(join(upgradeDir, 'seed-'));
      copyFileSync(storeFile, join(seedDir, 'store.fga.yaml'));
      const model = readFileSync(fileURLToPath(new URL('../../../authz/model.fga', import.meta.url)), 'utf8');
      writeFileSync(join(seedDir, 'model.fga'), model.replace('type user\n', 'type user\n\ntype robot\n'));

      const second = await start(join(seedDir, 'store.fga.yaml'), upgradeDir);
      expect(second.fga.storeId).toBe(first.fga.storeId);
      expect(second.fga.modelId).not.toBe(first.fga.modelId);
      const latest = (await second.client.readLatestAuthorizationModel()).authorization_model!;
      expect(latest.id).toBe(second.fga.modelId);
      expect(latest.type_definitions.map((t) => t.type)).toContain('robot');
      expect((await second.client.check({ user: 'user:erin', relation: 'viewer', object: 'document:q3-budget', context: now })).allowed).toBe(true);
      await second.stop();

      // Starting again with the same (upgraded) seed changes nothing.
      const third = await start(join(seedDir, 'store.fga.yaml'), upgradeDir);
      expect(third.fga.modelId).toBe(second.fga.modelId);
      await third.stop();
    } finally {
      rmSync(upgradeDir, { recursive: true, force: true });
    }
  });
});
