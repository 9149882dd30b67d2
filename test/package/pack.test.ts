import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectWithToken, tokenFor } from '../helpers/mcp-client.js';

/**
 * The package as a user gets it: `npm pack`, installed into a fresh project with production
 * dependencies only, used there with plain Node (no tsx) and the project's own TypeScript.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const FIXTURES = join(import.meta.dirname, 'fixtures');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** npm reads npm_* variables as its own configuration: a child npm gets none of the parent's. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return { ...env, NODE_ENV: 'production', ...extra };
}

function run(cmd: string, args: string[], cwd: string, env = cleanEnv()): Promise<Run> {
  return new Promise((done) => {
    execFile(cmd, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

function ok(r: Run, what: string): Run {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Resolves with the first stdout line matching `pattern`; rejects if the process exits first. */
function waitForLine(child: ChildProcess, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((done, fail) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(pattern);
      if (m) done(m);
    });
    child.once('exit', (code) => fail(new Error(`exited ${code} before "${pattern}"\n${out}\n${err}`)));
  });
}

/** Records every module URL Node loads (ESM and the CommonJS entries imported from ESM), one per line. */
const RECORD_HOOK = `
import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function load(url, context, next) { appendFileSync(file, url + '\\n'); return next(url, context); }
`;
const REGISTER_HOOK = `
import { register } from 'node:module';
register('./record-hook.mjs', import.meta.url, { data: { file: process.env.RECORD_FILE } });
`;
const CHECK_IMPORTS = `
import { readFileSync } from 'node:fs';
const packagesLoaded = () => [...new Set(readFileSync(process.env.RECORD_FILE, 'utf8').split('\\n').flatMap((u) => {
  const m = u.match(/\\/node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//);
  return m ? [m[1]] : [];
}))].sort();
const lib = await import('gatehouse');
const afterLib = packagesLoaded();
const server = await import('gatehouse/server');
const afterServer = packagesLoaded();
console.log(JSON.stringify({ lib: Object.keys(lib).sort(), server: Object.keys(server).sort(), afterLib, afterServer }));
`;

const CONSUMER_TSCONFIG = (typeRoots: string) => ({
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2023'],
    types: ['node'],
    typeRoots: [typeRoots],
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: false,
    outDir: 'out',
  },
  files: ['my-server.ts', 'surface.ts'],
});

describe('the packed tarball, installed with production dependencies only', () => {
  let work: string;
  let app: string;
  let packed: { filename: string; files: { path: string }[] };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'gatehouse-pack-'));
    app = join(work, 'app');
    mkdirSync(app);
    const pack = ok(await run('npm', ['pack', '--json', '--pack-destination', work], ROOT), 'npm pack');
    [packed] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as (typeof packed)[];
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module', allowScripts: { 'better-sqlite3': true } }),
    );
    ok(
      await run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', join(work, packed.filename)], app),
      'npm install <tarball>',
    );
  }, 600_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ships dist, authz, demo and the bin file, and nothing else (no sources, no tests)', () => {
    const tops = new Set(packed.files.map((f) => (f.path.includes('/') ? `${f.path.split('/')[0]}/` : f.path)));
    expect([...tops].sort()).toEqual(['README.md', 'authz/', 'bin/', 'demo/', 'dist/', 'package.json']);
    const paths = packed.files.map((f) => f.path);
    expect(paths.filter((p) => p.startsWith('bin/'))).toEqual(['bin/gatehouse.mjs']);
    expect(paths).toContain('dist/index.d.ts');
    expect(paths).toContain('dist/server.d.ts');
    expect(paths).toContain('authz/store.fga.yaml');
    expect(paths.filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))).toEqual([]);
  });

  it('installs without development tools: no tsx, no typescript, no vitest', () => {
    expect(existsSync(join(app, 'node_modules/gatehouse/dist/index.js'))).toBe(true);
    for (const dev of ['tsx', 'typescript', 'vitest', '@types/node']) expect(existsSync(join(app, 'node_modules', dev)), dev).toBe(false);
  });

  it('imports gatehouse on plain Node without loading express, oidc-provider or better-sqlite3; gatehouse/server loads no stand-in', async () => {
    writeFileSync(join(app, 'record-hook.mjs'), RECORD_HOOK);
    writeFileSync(join(app, 'register-hook.mjs'), REGISTER_HOOK);
    writeFileSync(join(app, 'check-imports.mjs'), CHECK_IMPORTS);
    const record = join(work, 'loaded.txt');
    writeFileSync(record, '');
    const r = ok(await run(process.execPath, ['--import', './register-hook.mjs', 'check-imports.mjs'], app, cleanEnv({ RECORD_FILE: record })), 'node check-imports.mjs');
    const seen = JSON.parse(r.stdout) as { lib: string[]; server: string[]; afterLib: string[]; afterServer: string[] };
    expect(seen.lib).toEqual(expect.arrayContaining(['defineTool', 'ConfigError', 'ForbiddenError', 'ApprovalPendingError', 'isGatehouseError', 'builtinTools', 'SCOPES']));
    expect(seen.lib).not.toContain('startGatehouse');
    expect(seen.server).toEqual(['ConfigError', 'loadConfig', 'startGatehouse']);
    expect(seen.afterLib).toContain('gatehouse');
    for (const heavy of ['express', 'oidc-provider', 'better-sqlite3', 'pino', '@openfga/sdk', '@modelcontextprotocol/sdk']) expect(seen.afterLib, heavy).not.toContain(heavy);
    // The server entry point loads the HTTP and storage layers, but the stand-ins only when configuration asks for them.
    expect(seen.afterServer).toEqual(expect.arrayContaining(['express', 'better-sqlite3']));
    expect(seen.afterServer).not.toContain('oidc-provider');
  });

  it('type-checks a consumer under strict, exactOptionalPropertyTypes and noUncheckedIndexedAccess', async () => {
    for (const f of ['my-server.ts', 'surface.ts']) copyFileSync(join(FIXTURES, f), join(app, f));
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(CONSUMER_TSCONFIG(join(ROOT, 'node_modules/@types')), null, 2));
    const r = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], app);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  }, 120_000);

  it('runs `npx gatehouse --help` from the compiled CLI', async () => {
    const r = ok(await run('npx', ['--no-install', 'gatehouse', '--help'], app), 'npx gatehouse --help');
    expect(r.stdout).toMatch(/^Usage: gatehouse <command> \[options\]\n/);
    expect(r.stdout).toContain('serve ');
  });

  it("starts the server from the installed package with the README's extra tool, which MCP clients call through the gates", async () => {
    expect(existsSync(join(app, 'out/my-server.js'))).toBe(true);
    const dataDir = join(work, 'data');
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', GATEHOUSE_PORT: '0', GATEHOUSE_AUTH_PORT: '0', GATEHOUSE_FGA_PORT: '0', GATEHOUSE_PROVIDERS_PORT: '0', GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_LOG_LEVEL: 'silent' };
    const child = spawn(process.execPath, ['out/my-server.js'], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    try {
      const [, mcpUrl] = (await waitForLine(child, /MCP at (\S+)\n/)) as [string, string];
      const metadata = (await (await fetch(new URL('/.well-known/oauth-protected-resource/mcp', mcpUrl))).json()) as { resource: string; authorization_servers: string[] };
      expect(metadata.resource).toBe(mcpUrl);
      const gh = { mcpUrl, issuer: metadata.authorization_servers[0]! };

      const bob = await connectWithToken(mcpUrl, await tokenFor(gh, 'bob'));
      const tools = (await bob.listTools()).tools.map((t) => t.name);
      expect(tools).toEqual(expect.arrayContaining(['read_invoice', 'whoami']));
      const allowed = await bob.callTool({ name: 'read_invoice', arguments: { id: 'q3-budget' } });
      expect(allowed.isError).toBeFalsy();
      expect(allowed.content).toEqual([{ type: 'text', text: 'invoice q3-budget for bob' }]);
      await bob.close();

      const alice = await connectWithToken(mcpUrl, await tokenFor(gh, 'alice'));
      const refused = await alice.callTool({ name: 'read_invoice', arguments: { id: 'q3-budget' } });
      expect(refused.isError).toBe(true);
      expect(refused.structuredContent).toMatchObject({ error: { code: 'forbidden' } });
      await alice.close();
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(readFileSync(join(dataDir, 'gatehouse.db')).length).toBeGreaterThan(0);
  }, 120_000);
});
