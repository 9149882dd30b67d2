import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The embedded stand-ins (and oidc-provider behind the Auth0 one) are loaded only when configuration
 * asks for them: a production configuration never loads their code.
 */
const ROOT = resolve(import.meta.dirname, '../..');

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

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'gatehouse-lazy-'));
  writeFileSync(join(work, 'record-hook.mjs'), RECORD_HOOK);
  writeFileSync(join(work, 'register-hook.mjs'), REGISTER_HOOK);
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Start and stop Gatehouse in a child process; the URLs of the modules it loaded. */
async function modulesLoaded(name: string, env: Record<string, string>): Promise<string[]> {
  const record = join(work, `${name}.txt`);
  writeFileSync(record, '');
  const stdout = await new Promise<string>((done, fail) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--import', join(work, 'register-hook.mjs'), 'test/fixtures/start-and-list-modules.ts'],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', RECORD_FILE: record, GATEHOUSE_PORT: '0', GATEHOUSE_AUTH_PORT: '0', GATEHOUSE_FGA_PORT: '0', GATEHOUSE_PROVIDERS_PORT: '0', GATEHOUSE_DATA_DIR: join(work, name), GATEHOUSE_LOG_LEVEL: 'silent', ...env },
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, out, stderr) => (err ? fail(new Error(`${err.message}\n${stderr}`)) : done(out)),
    );
  });
  expect(stdout.startsWith('started\n')).toBe(true);
  return readFileSync(record, 'utf8').split('\n').filter(Boolean);
}

const standIns = (urls: string[]) => [...new Set(urls.flatMap((u) => u.match(/\/src\/embedded\/[a-z-]+\/|\/node_modules\/oidc-provider\//) ?? []))].sort();

describe('stand-ins load only when configuration asks for them', () => {
  it('a production configuration (Auth0 and a remote OpenFGA) loads no stand-in and no oidc-provider', async () => {
    const urls = await modulesLoaded('production', {
      AUTH0_DOMAIN: 'tenant.example.com',
      FGA_API_URL: 'http://127.0.0.1:9',
      FGA_STORE_ID: '01ARZ3NDEKTSV4RRFFQ69G5FAV',
      FGA_MODEL_ID: '01ARZ3NDEKTSV4RRFFQ69G5FAW',
      FGA_API_TOKEN: 'a-preshared-key-of-the-fga-api',
    });
    expect(urls.some((u) => u.endsWith('/src/app.ts'))).toBe(true);
    expect(standIns(urls)).toEqual([]);
  });

  it('the default configuration loads the embedded authorization server, FGA and demo providers', async () => {
    const urls = await modulesLoaded('embedded', {});
    expect(standIns(urls)).toEqual(['/node_modules/oidc-provider/', '/src/embedded/authserver/', '/src/embedded/fga/', '/src/embedded/providers/', '/src/embedded/seed/']);
  });
});

const tracingSdk = (urls: string[]) => [...new Set(urls.flatMap((u) => u.match(/\/node_modules\/@opentelemetry\/(?!api\/)[a-z-]+\//) ?? []))].sort();

describe('the OpenTelemetry SDK loads only when OTEL_* variables enable tracing', () => {
  it('without OTEL_* variables: no SDK, exporter or resource module is loaded (the core uses the API only)', async () => {
    const urls = await modulesLoaded('no-tracing', {});
    expect(urls.some((u) => u.includes('/node_modules/@opentelemetry/api/'))).toBe(true);
    expect(tracingSdk(urls)).toEqual([]);
  });

  it('OTEL_SDK_DISABLED=true keeps it unloaded even with an endpoint', async () => {
    const urls = await modulesLoaded('tracing-disabled', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:9/v1/traces', OTEL_SDK_DISABLED: 'true' });
    expect(tracingSdk(urls)).toEqual([]);
  });

  it('with an OTLP endpoint: the Node trace SDK, the OTLP/HTTP exporter and the resource are loaded', async () => {
    const urls = await modulesLoaded('tracing', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:9/v1/traces' });
    // The three packages the root imports (their own CommonJS requires do not pass the ESM load hook).
    expect(tracingSdk(urls)).toEqual(['/node_modules/@opentelemetry/exporter-trace-otlp-http/', '/node_modules/@opentelemetry/resources/', '/node_modules/@opentelemetry/sdk-trace-node/']);
  });
});
