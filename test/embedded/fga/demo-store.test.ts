import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadStoreFile } from '../../../src/embedded/fga/store-file.js';
import { runStoreFileTests } from '../../../src/embedded/fga/store-file-runner.js';

const storeFile = fileURLToPath(new URL('../../../authz/store.fga.yaml', import.meta.url));

describe('authz/store.fga.yaml (the demo store)', () => {
  it('passes every test in the store file', () => {
    const outcomes = runStoreFileTests(loadStoreFile(storeFile));
    expect(outcomes.length).toBeGreaterThan(20);
    expect(outcomes.filter((o) => !o.passed)).toEqual([]);
  });

  it('reports a failing assertion', () => {
    const file = loadStoreFile(storeFile);
    const broken = {
      ...file,
      tests: [{ name: 'wrong on purpose', tuples: [], check: [{ user: 'user:bob', object: 'document:salary-bands', context: { current_time: '2026-01-01T00:00:00Z' }, assertions: { viewer: true } }] }],
    };
    const [outcome] = runStoreFileTests(broken);
    expect(outcome).toMatchObject({ passed: false, detail: 'expected true, got false' });
  });
});
