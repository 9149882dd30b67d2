import { mkdtempSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensurePrivateDir, readOrCreatePrivateFile } from '../../src/lib/private-file.js';

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'gatehouse-pf-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const mode = (p: string) => statSync(p).mode & 0o777;

describe('private files', () => {
  it('creates the directory 0700 and tightens an existing one', () => {
    const d = join(fresh(), 'data');
    ensurePrivateDir(d);
    expect(mode(d)).toBe(0o700);
  });

  it('creates a key file once with mode 0600 and returns the same value afterwards', () => {
    const f = join(fresh(), 'keys', 'k.key');
    let n = 0;
    const first = readOrCreatePrivateFile(f, () => `v${++n}`);
    const second = readOrCreatePrivateFile(f, () => `v${++n}`);
    expect(first).toBe('v1');
    expect(second).toBe('v1');
    expect(mode(f)).toBe(0o600);
    expect(readdirSync(join(f, '..'))).toEqual(['k.key']);
  });

  it('tightens an existing world-readable key file', () => {
    const d = fresh();
    const f = join(d, 'old.key');
    writeFileSync(f, 'secret\n', { mode: 0o644 });
    expect(readOrCreatePrivateFile(f, () => 'other')).toBe('secret');
    expect(mode(f)).toBe(0o600);
  });
});
