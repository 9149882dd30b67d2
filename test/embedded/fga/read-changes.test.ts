/**
 * ReadChanges through @openfga/sdk: every write and delete in order with its operation and time, the
 * type filter, paging with continuation tokens (unchanged when nothing is new), start_time, and a log
 * that survives a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FgaApiValidationError, TupleOperation, type OpenFgaClient } from '@openfga/sdk';
import { dslToModel } from '../../../src/embedded/fga/dsl.js';
import { FgaEngine } from '../../../src/embedded/fga/engine.js';
import { openDatabase } from '../../../src/store/sqlite/database.js';
import { startTestServer, type FgaTestServer } from './helpers.js';

const MODEL = `model
  schema 1.1
type user
type folder
  relations
    define viewer: [user]
type doc
  relations
    define viewer: [user, user with open]
condition open(level: int) {
  level > 1
}`;

let dir: string;
let fga: FgaTestServer;
let storeId: string;
let modelId: string;
let client: OpenFgaClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fga-changes-'));
  fga = await startTestServer({ file: join(dir, 'fga.db') });
  storeId = (await fga.client().createStore({ name: 'changes' })).id;
  modelId = (await fga.client(storeId).writeAuthorizationModel(dslToModel(MODEL) as never)).authorization_model_id;
  client = fga.client(storeId, modelId);
});
afterAll(async () => {
  await fga?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ReadChanges', () => {
  it('starts empty, with an empty token', async () => {
    const r = await client.readChanges();
    expect(r.changes).toEqual([]);
    expect(r.continuation_token).toBe('');
  });

  it('logs writes and deletes in order, pages them, and filters by type', async () => {
    await client.write({
      writes: [
        { user: 'user:ann', relation: 'viewer', object: 'doc:1', condition: { name: 'open', context: { level: 2 } } },
        { user: 'user:ann', relation: 'viewer', object: 'folder:a' },
      ],
    });
    await client.write({ writes: [{ user: 'user:bob', relation: 'viewer', object: 'doc:2' }] });
    await client.deleteTuples([{ user: 'user:ann', relation: 'viewer', object: 'doc:1' }]);

    const all = await client.readChanges();
    expect(all.changes.map((c) => [c.operation, c.tuple_key])).toEqual([
      [TupleOperation.Write, { user: 'user:ann', relation: 'viewer', object: 'doc:1', condition: { name: 'open', context: { level: 2 } } }],
      [TupleOperation.Write, { user: 'user:ann', relation: 'viewer', object: 'folder:a' }],
      [TupleOperation.Write, { user: 'user:bob', relation: 'viewer', object: 'doc:2' }],
      [TupleOperation.Delete, { user: 'user:ann', relation: 'viewer', object: 'doc:1' }],
    ]);
    for (const c of all.changes) expect(new Date(c.timestamp).toISOString()).toBe(c.timestamp);

    const page1 = await client.readChanges({ type: 'doc' }, { pageSize: 2 });
    expect(page1.changes.map((c) => c.tuple_key.object)).toEqual(['doc:1', 'doc:2']);
    const page2 = await client.readChanges({ type: 'doc' }, { pageSize: 2, continuationToken: page1.continuation_token });
    expect(page2.changes.map((c) => [c.operation, c.tuple_key.object])).toEqual([[TupleOperation.Delete, 'doc:1']]);
    // Nothing newer: the same token comes back, ready for the next poll.
    const page3 = await client.readChanges({ type: 'doc' }, { pageSize: 2, continuationToken: page2.continuation_token });
    expect(page3.changes).toEqual([]);
    expect(page3.continuation_token).toBe(page2.continuation_token);
    await client.write({ writes: [{ user: 'user:cat', relation: 'viewer', object: 'doc:3' }] });
    const page4 = await client.readChanges({ type: 'doc' }, { continuationToken: page3.continuation_token });
    expect(page4.changes.map((c) => c.tuple_key.object)).toEqual(['doc:3']);
  });

  it('reads from start_time, and refuses a bad token, a token of another type, or a bad time', async () => {
    const future = await client.readChanges({ type: '', startTime: '2999-01-01T00:00:00Z' });
    expect(future.changes).toEqual([]);
    const past = await client.readChanges({ type: '', startTime: '2000-01-01T00:00:00Z' });
    expect(past.changes).toHaveLength(5);

    const bad = await client.readChanges({ type: '' }, { continuationToken: 'garbage' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(FgaApiValidationError);
    expect((bad as FgaApiValidationError).apiErrorCode).toBe('invalid_continuation_token');
    const docToken = (await client.readChanges({ type: 'doc' })).continuation_token;
    const mismatch = await client.readChanges({ type: 'folder' }, { continuationToken: docToken }).catch((e: unknown) => e);
    expect((mismatch as FgaApiValidationError).apiErrorCode).toBe('validation_error');
    const time = await client.readChanges({ type: '', startTime: 'yesterday' }).catch((e: unknown) => e);
    expect((time as FgaApiValidationError).apiErrorCode).toBe('validation_error');
    const size = await client.readChanges({ type: '' }, { pageSize: 101 }).catch((e: unknown) => e);
    expect((size as FgaApiValidationError).apiErrorCode).toBe('validation_error');
  });

  it('keeps the log across a restart', async () => {
    await fga.close();
    fga = await startTestServer({ file: join(dir, 'fga.db') });
    client = fga.client(storeId, modelId);
    expect((await client.readChanges()).changes).toHaveLength(5);
  });

  it('logs the tuples a database held before the change log existed, as writes at their insertion time', () => {
    const file = join(dir, 'upgrade.db');
    let db = openDatabase(file);
    let engine = new FgaEngine(db);
    const store = engine.createStore('upgrade');
    const model = engine.writeAuthorizationModel(store.id, dslToModel(MODEL));
    engine.write(store.id, {
      authorizationModelId: model,
      writes: [
        { user: 'user:ann', relation: 'viewer', object: 'doc:1' },
        { user: 'user:bob', relation: 'viewer', object: 'folder:a' },
      ],
      deletes: [],
      onDuplicate: 'error',
      onMissing: 'error',
    });
    // The database as an older Gatehouse left it: tuples, no change log.
    db.exec("DROP TABLE fga_changes; DROP TABLE fga_assertions; DELETE FROM schema_migrations WHERE id = '011-fga-changes';");
    const inserted = db.prepare('SELECT inserted_at FROM fga_tuples ORDER BY seq').all() as { inserted_at: string }[];
    db.close();
    db = openDatabase(file);
    try {
      engine = new FgaEngine(db);
      const { changes } = engine.readChanges(store.id, { pageSize: 50 });
      expect(changes).toEqual([
        { tuple_key: { user: 'user:ann', relation: 'viewer', object: 'doc:1' }, operation: 'TUPLE_OPERATION_WRITE', timestamp: inserted[0].inserted_at },
        { tuple_key: { user: 'user:bob', relation: 'viewer', object: 'folder:a' }, operation: 'TUPLE_OPERATION_WRITE', timestamp: inserted[1].inserted_at },
      ]);
    } finally {
      db.close();
    }
  });
});
