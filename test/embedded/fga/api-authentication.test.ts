/**
 * The embedded FGA API's preshared key: where it comes from (configured, or generated once into a
 * 0600 file apart from the database), that Gatehouse's own clients send it, and that
 * `gatehouse fga serve` takes it from --api-key or the data dir and says where it is without printing it.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CredentialsMethod, OpenFgaClient } from '@openfga/sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { fgaApiKeyFile, resolveFgaApiKeys } from '../../../src/embedded/fga/api-key.js';
import { startEmbeddedFga } from '../../../src/embedded/fga/index.js';
import { openDatabase } from '../../../src/store/sqlite/database.js';
import { startTestGatehouse, tempDir } from '../../helpers/bootstrap.js';
import { fgaApiKey, rawRequest } from '../../helpers/fga.js';

const dirs: string[] = [];
const fresh = () => {
  const d = tempDir();
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const KEY_A = 'configured-key-A-0123456789';
const KEY_B = 'configured-key-B-0123456789';

const sdk = (url: string, storeId: string, token: string) =>
  new OpenFgaClient({ apiUrl: url, storeId, credentials: { method: CredentialsMethod.ApiToken, config: { token } }, retryParams: { maxRetry: 0, minWaitInMs: 1 } });

describe('the embedded FGA API key at rest', () => {
  it('is generated once into <dataDir>/keys/fga-api.key (0600, directory 0700) and reused', () => {
    const dir = fresh();
    const first = resolveFgaApiKeys(dir);
    expect(first.file).toBe(join(dir, 'keys', 'fga-api.key'));
    expect(first.keys).toHaveLength(1);
    expect(first.keys[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(first.file!).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'keys')).mode & 0o777).toBe(0o700);
    expect(resolveFgaApiKeys(dir)).toEqual(first);
    expect(resolveFgaApiKeys(fresh()).keys[0]).not.toBe(first.keys[0]);
  });

  it('configured keys are used as given and no file is written', () => {
    const dir = fresh();
    expect(resolveFgaApiKeys(dir, [KEY_A, KEY_B])).toEqual({ keys: [KEY_A, KEY_B] });
    expect(existsSync(fgaApiKeyFile(dir))).toBe(false);
  });

  it('the API refuses to start without a key (fails closed)', async () => {
    const db = openDatabase(':memory:');
    await expect(startEmbeddedFga({ db, host: '127.0.0.1', port: 0, apiKeys: [], seedStoreFile: 'authz/store.fga.yaml' })).rejects.toThrow(TypeError);
    await expect(startEmbeddedFga({ db, host: '127.0.0.1', port: 0, apiKeys: [''], seedStoreFile: 'authz/store.fga.yaml' })).rejects.toThrow(TypeError);
    db.close();
  });
});

describe('Gatehouse and its embedded FGA API key', () => {
  it('generates the key beside the database (never inside it), sends it itself, and keeps it across restarts', async () => {
    const dataDir = fresh();
    const gh = await startTestGatehouse({}, { dataDir });
    const key = fgaApiKey(dataDir);
    try {
      expect(await gh.authorizer.check({ user: 'user:bob', relation: 'member', object: 'group:finance' })).toBe(true);
      expect((await sdk(gh.fga!.url, gh.fga!.storeId, key).check({ user: 'user:bob', relation: 'member', object: 'group:finance' })).allowed).toBe(true);
      // Host names of a loopback server, and the scheme case-insensitive, as OpenFGA reads it.
      const port = new URL(gh.fga!.url).port;
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
        const r = await rawRequest(`${gh.fga!.url}/stores`, { headers: { host, authorization: `bearer ${key}` } });
        expect(r.status).toBe(200);
      }
      // Unknown paths are not a way around authentication.
      expect((await rawRequest(`${gh.fga!.url}/nowhere`)).status).toBe(401);
    } finally {
      await gh.close();
    }
    const files = ['gatehouse.db', 'gatehouse.db-wal'].map((f) => join(dataDir, f)).filter(existsSync);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(readFileSync(f).includes(Buffer.from(key))).toBe(false);

    const again = await startTestGatehouse({}, { dataDir });
    try {
      expect(fgaApiKey(dataDir)).toBe(key);
      expect((await sdk(again.fga!.url, again.fga!.storeId, key).check({ user: 'user:bob', relation: 'member', object: 'group:finance' })).allowed).toBe(true);
    } finally {
      await again.close();
    }
  });

  it('GATEHOUSE_FGA_API_KEY: every listed key is accepted (rotation), Gatehouse sends the first, no key file is made', async () => {
    const gh = await startTestGatehouse({ GATEHOUSE_FGA_API_KEY: `${KEY_A},${KEY_B}` });
    try {
      expect(existsSync(fgaApiKeyFile(gh.dataDir))).toBe(false);
      expect(await gh.authorizer.check({ user: 'user:bob', relation: 'member', object: 'group:finance' })).toBe(true);
      for (const key of [KEY_A, KEY_B]) {
        expect((await sdk(gh.fga!.url, gh.fga!.storeId, key).check({ user: 'user:bob', relation: 'member', object: 'group:finance' })).allowed).toBe(true);
      }
      const stale = await rawRequest(`${gh.fga!.url}/stores`, { headers: { authorization: 'Bearer configured-key-C-0123456789' } });
      expect(stale.status).toBe(401);
      expect(stale.json()).toEqual({ code: 'unauthenticated', message: 'unauthenticated' });
    } finally {
      await gh.stop();
    }
  });

  it('GATEHOUSE_ALLOWED_HOSTS names are accepted on the FGA port too', async () => {
    const gh = await startTestGatehouse({ GATEHOUSE_FGA_API_KEY: KEY_A, GATEHOUSE_ALLOWED_HOSTS: 'fga.internal.example' });
    try {
      const ok = await rawRequest(`${gh.fga!.url}/stores`, { headers: { host: 'fga.internal.example', authorization: `Bearer ${KEY_A}` } });
      expect(ok.status).toBe(200);
      const other = await rawRequest(`${gh.fga!.url}/stores`, { headers: { host: 'fga.other.example', authorization: `Bearer ${KEY_A}` } });
      expect(other.status).toBe(403);
    } finally {
      await gh.stop();
    }
  });
});

/** Runs `gatehouse fga serve` until it prints its banner; returns the banner and a stop function. */
async function serve(args: string[], env: Record<string, string> = {}): Promise<{ banner: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['bin/gatehouse-dev.mjs', 'fga', 'serve', '--port', '0', ...args], {
    env: { PATH: process.env.PATH ?? '', GATEHOUSE_LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const banner = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (/API key: .*\n/.test(out)) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`fga serve exited ${code}: ${err}`)));
  });
  return {
    banner,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

describe('gatehouse fga serve', () => {
  it('generates the key into the data dir and prints where it is, never the key', async () => {
    const dataDir = fresh();
    const { banner, stop } = await serve(['--data-dir', dataDir]);
    try {
      const file = join(dataDir, 'keys', 'fga-api.key');
      const key = readFileSync(file, 'utf8').trim();
      expect(banner).toContain(`API key:  in ${file}`);
      expect(banner).not.toContain(key);
      const url = /URL: +(\S+)/.exec(banner)![1]!;
      expect((await rawRequest(`${url}/stores`)).status).toBe(401);
      expect((await rawRequest(`${url}/stores`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    } finally {
      await stop();
    }
  }, 60_000);

  it('--api-key (repeatable) replaces the key file; GATEHOUSE_FGA_API_KEY works the same', async () => {
    const dataDir = fresh();
    const { banner, stop } = await serve(['--data-dir', dataDir, '--api-key', KEY_A, '--api-key', KEY_B]);
    try {
      expect(banner).toContain('API key:  the ones given with --api-key');
      expect(banner).not.toContain(KEY_A);
      expect(existsSync(fgaApiKeyFile(dataDir))).toBe(false);
      const url = /URL: +(\S+)/.exec(banner)![1]!;
      for (const key of [KEY_A, KEY_B]) expect((await rawRequest(`${url}/stores`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    } finally {
      await stop();
    }
    const byEnv = await serve(['--data-dir', dataDir], { GATEHOUSE_FGA_API_KEY: KEY_B });
    try {
      expect(byEnv.banner).toContain('API key:  the one given with GATEHOUSE_FGA_API_KEY');
      const url = /URL: +(\S+)/.exec(byEnv.banner)![1]!;
      expect((await rawRequest(`${url}/stores`, { headers: { authorization: `Bearer ${KEY_B}` } })).status).toBe(200);
      expect((await rawRequest(`${url}/stores`, { headers: { authorization: `Bearer ${KEY_A}` } })).status).toBe(401);
    } finally {
      await byEnv.stop();
    }
  }, 60_000);

  it('refuses a malformed --api-key', async () => {
    await expect(serve(['--data-dir', fresh(), '--api-key', 'short'])).rejects.toThrow(/--api-key: each key must be 16-512 characters/);
  }, 60_000);
});

describe('bodies the API cannot read are the client\'s error, in OpenFGA shape', () => {
  it('a body in an unsupported charset or encoding is 400 validation_error, not 500', async () => {
    const gh = await startTestGatehouse({ GATEHOUSE_FGA_API_KEY: KEY_A });
    try {
      const url = `${gh.fga!.url}/stores/${gh.fga!.storeId}/check`;
      const body = JSON.stringify({ tuple_key: { user: 'user:bob', relation: 'member', object: 'group:finance' } });
      const variants: Record<string, string>[] = [{ 'content-type': 'application/json; charset=iso-8859-1' }, { 'content-type': 'application/json', 'content-encoding': 'br-unknown' }];
      for (const headers of variants) {
        const r = await rawRequest(url, { method: 'POST', headers: { ...headers, authorization: `Bearer ${KEY_A}` }, body });
        expect(r.status).toBe(400);
        expect(r.json()).toEqual({ code: 'validation_error', message: 'invalid request: the body could not be read' });
      }
    } finally {
      await gh.stop();
    }
  });
});
