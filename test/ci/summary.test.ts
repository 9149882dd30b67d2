import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// .ci/run ends with the line printed by .ci/summary.mjs from vitest's JSON report. These cases run
// vitest on deliberately broken files (test/ci/fixtures/*.fixture.ts, outside the suite's include
// pattern) and feed the real report to the real summary script.

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../..', import.meta.url));
const vitestBin = join(repo, 'node_modules', '.bin', 'vitest');
const fixtureConfig = join(repo, 'test', 'ci', 'fixtures', 'vitest.config.ts');
const work = mkdtempSync(join(tmpdir(), 'gatehouse-ci-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// The outer vitest's worker variables must not leak into the inner run.
const childEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS'));

async function exitStatus(p: Promise<unknown>): Promise<{ status: number; stdout: string }> {
  try {
    const r = (await p) as { stdout: string };
    return { status: 0, stdout: r.stdout };
  } catch (e) {
    const err = e as { code?: number; stdout?: string };
    return { status: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '' };
  }
}

async function summarise(name: string, filters: string[]): Promise<{ report: string; vitestStatus: number; line: string; lastLine: string; status: number }> {
  const report = join(work, `${name}.json`);
  const vitest = await exitStatus(
    run(vitestBin, ['run', '--config', fixtureConfig, '--reporter=json', `--outputFile=${report}`, ...filters], { cwd: repo, env: childEnv }),
  );
  const summary = await exitStatus(run(process.execPath, [join(repo, '.ci', 'summary.mjs'), report, String(vitest.status), '0'], { cwd: repo, env: childEnv }));
  const lines = summary.stdout.split('\n').filter((l) => l !== '');
  return { report, vitestStatus: vitest.status, line: summary.stdout, lastLine: lines.at(-1) ?? '', status: summary.status };
}

describe('.ci/run closing line', () => {
  it('a file that throws at import counts as a failure, not as passed', async () => {
    const r = await summarise('import', ['import-throws']);
    expect(r.vitestStatus).toBe(1);
    expect(r.line).toBe('0 passed, 1 failed, 0 skipped\n');
    expect(r.status).toBe(1);
  });

  it('tests under a beforeAll that throws count as failed, not as pending', async () => {
    const r = await summarise('before-all', ['before-all-throws']);
    expect(r.vitestStatus).toBe(1);
    expect(r.line).toBe('0 passed, 2 failed, 0 skipped\n');
    expect(r.status).toBe(1);
  });

  it('a healthy run prints its skipped and todo tests and exits 0', async () => {
    const r = await summarise('healthy', ['passes-and-skips']);
    expect(r.vitestStatus).toBe(0);
    expect(r.line).toBe('1 passed, 0 failed, 2 skipped\n');
    expect(r.status).toBe(0);
  });

  it('a mixed run counts every broken file and exits non-zero', async () => {
    const r = await summarise('all', []);
    expect(r.lastLine).toMatch(/^\d+ passed, \d+ failed(, \d+ skipped)?$/);
    expect(r.line).toBe('1 passed, 3 failed, 2 skipped\n');
    expect(r.status).toBe(1);
  });

  it('an unreadable report, an unexplained vitest failure and a failed typecheck each count as one failure', async () => {
    const script = join(repo, '.ci', 'summary.mjs');
    const missing = await exitStatus(run(process.execPath, [script, join(work, 'absent.json'), '0', '0']));
    expect([missing.stdout, missing.status]).toEqual(['0 passed, 1 failed, 0 skipped\n', 1]);
    const { report: healthy } = await summarise('healthy-again', ['passes-and-skips']);
    const unhandled = await exitStatus(run(process.execPath, [script, healthy, '1', '0']));
    expect([unhandled.stdout, unhandled.status]).toEqual(['1 passed, 1 failed, 2 skipped\n', 1]);
    const typecheck = await exitStatus(run(process.execPath, [script, healthy, '0', '2']));
    expect([typecheck.stdout, typecheck.status]).toEqual(['1 passed, 1 failed, 2 skipped\n', 1]);
  });
});
