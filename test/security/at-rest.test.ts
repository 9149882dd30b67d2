import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_CLIENT_ID, CLI_REDIRECT_URI } from '../../src/embedded/authserver/clients.js';
import { authorizeHeadlessly } from '../../src/embedded/authserver/headless-login.js';
import { findDemoUser } from '../../src/embedded/seed/users.js';
import { startTestGatehouse, tempDir, type TestGatehouse } from '../helpers/bootstrap.js';
import { initialize, rpc } from '../helpers/mcp-client.js';

/**
 * Secrets at rest: a copy of `gatehouse.db` must not be a copy of the deployment's keys, nor of its
 * users' live refresh tokens and authorization codes. The keys live in 0600 files beside the database.
 */
const SECRET_NAMES = [
  'authserver.signing-key.rs256',
  'authserver.cookie-key',
  'authserver.csrf-key',
  'authserver.server-client-secret',
  'vault.encryption-key',
  'providers.google-client-secret',
  'providers.token-key',
  'authserver.custom-api-client-secret',
  'fga-api',
  'audit-checkpoint',
  'request-state',
] as const;

const mode = (path: string) => statSync(path).mode & 0o777;
const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');
const keyFile = (dataDir: string, name: string) => join(dataDir, 'keys', `${name}.key`);

/** Every byte SQLite keeps for the database: the file and its write-ahead log. */
function databaseBytes(dataDir: string): Buffer {
  return Buffer.concat(['gatehouse.db', 'gatehouse.db-wal'].filter((f) => existsSync(join(dataDir, f))).map((f) => readFileSync(join(dataDir, f))));
}

/** The values a stolen database must not reveal: each secret, and the signing key's private parts. */
function keyMaterial(dataDir: string): string[] {
  const out: string[] = [];
  for (const name of SECRET_NAMES) {
    const value = readFileSync(keyFile(dataDir, name), 'utf8').trim();
    if (name === 'authserver.signing-key.rs256') {
      const jwk = JSON.parse(value) as Record<string, string>;
      out.push(jwk.d!, jwk.p!, jwk.q!);
    } else out.push(value);
  }
  return out;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Fixed ports, so the issuer and the MCP URL survive a restart on the same data dir. */
async function fixedPorts(): Promise<Record<string, string>> {
  return { GATEHOUSE_PORT: String(await freePort()), GATEHOUSE_AUTH_PORT: String(await freePort()) };
}

/** A real authorization-code + PKCE flow of the CLI client, stopping before the code is redeemed. */
async function authorize(gh: TestGatehouse, user: string) {
  const config = await oidc.discovery(new URL(gh.issuer), CLI_CLIENT_ID, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const start = oidc.buildAuthorizationUrl(config, {
    redirect_uri: CLI_REDIRECT_URI,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    resource: gh.mcpUrl,
    scope: 'offline_access identity:read', // a refresh token only when offline_access is asked for (as Auth0)
    state,
  });
  const u = findDemoUser(user)!;
  const callback = await authorizeHeadlessly(start, { user: u.id, password: u.password });
  const redeem = () => oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }, { resource: gh.mcpUrl });
  return { config, code: callback.searchParams.get('code')!, redeem };
}

function oidcRows(gh: { db: Database.Database }) {
  return gh.db.prepare('SELECT model, id, payload, uid FROM oidc_models').all() as { model: string; id: string; payload: string; uid: string | null }[];
}

describe('secrets at rest', () => {
  let gh: TestGatehouse;
  beforeAll(async () => {
    gh = await startTestGatehouse();
  });
  afterAll(async () => {
    await gh?.stop();
  });

  it('the data dir is 0700; the database, its WAL and SHM files and every key file are 0600', () => {
    expect(mode(gh.dataDir)).toBe(0o700);
    expect(mode(join(gh.dataDir, 'gatehouse.db'))).toBe(0o600);
    for (const f of ['gatehouse.db-wal', 'gatehouse.db-shm']) if (existsSync(join(gh.dataDir, f))) expect(mode(join(gh.dataDir, f))).toBe(0o600);
    expect(mode(join(gh.dataDir, 'keys'))).toBe(0o700);
    for (const name of SECRET_NAMES) expect(mode(keyFile(gh.dataDir, name))).toBe(0o600);
    expect(readdirSync(join(gh.dataDir, 'keys')).sort()).toEqual(SECRET_NAMES.map((n) => `${n}.key`).sort());
  });

  it('the database holds no key material: the secrets table is empty and no key appears in its bytes', () => {
    expect(gh.db.prepare('SELECT COUNT(*) AS n FROM secrets').get()).toEqual({ n: 0 });
    const jwk = JSON.parse(readFileSync(keyFile(gh.dataDir, 'authserver.signing-key.rs256'), 'utf8')) as Record<string, string>;
    expect(jwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(gh.authServer!.serverClient.clientSecret).toBe(readFileSync(keyFile(gh.dataDir, 'authserver.server-client-secret'), 'utf8').trim());
    const bytes = databaseBytes(gh.dataDir);
    for (const secret of keyMaterial(gh.dataDir)) expect(bytes.includes(secret)).toBe(false);
  });

  it('authorization codes and refresh tokens are stored under their hash only; a code is still one-shot and refresh still works', async () => {
    const { config, code, redeem } = await authorize(gh, 'alice');
    const pending = oidcRows(gh);
    expect(pending.some((r) => r.model === 'AuthorizationCode' && r.id === sha256(code))).toBe(true);
    expect(JSON.stringify(pending)).not.toContain(code);

    const tokens = await redeem();
    const refresh = tokens.refresh_token!;
    expect(refresh).toBeTruthy();
    const issued = oidcRows(gh);
    expect(issued.some((r) => r.model === 'RefreshToken' && r.id === sha256(refresh))).toBe(true);
    expect(JSON.stringify(issued)).not.toContain(refresh);
    expect(JSON.stringify(issued)).not.toContain(code);

    const refreshed = await oidc.refreshTokenGrant(config, refresh, { resource: gh.mcpUrl });
    expect((await rpc(gh.mcpUrl, initialize, { authorization: `Bearer ${refreshed.access_token}` })).status).toBe(200);
    const rotated = refreshed.refresh_token ?? refresh;
    expect(JSON.stringify(oidcRows(gh))).not.toContain(rotated);

    // A replayed code is refused, and the grant it opened is revoked (revokeByGrantId on hashed rows).
    await expect(redeem()).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.refreshTokenGrant(config, rotated, { resource: gh.mcpUrl })).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('a pushed authorization request is stored under the hash of its request_uri and still works', async () => {
    const config = await oidc.discovery(new URL(gh.issuer), CLI_CLIENT_ID, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    const verifier = oidc.randomPKCECodeVerifier();
    const start = await oidc.buildAuthorizationUrlWithPAR(config, {
      redirect_uri: CLI_REDIRECT_URI,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      resource: gh.mcpUrl,
      scope: 'identity:read',
    });
    const id = start.searchParams.get('request_uri')!.replace('urn:ietf:params:oauth:request_uri:', '');
    expect(oidcRows(gh).some((r) => r.model === 'PushedAuthorizationRequest' && r.id === sha256(id))).toBe(true);
    expect(JSON.stringify(oidcRows(gh))).not.toContain(id);
    const u = findDemoUser('bob')!;
    const callback = await authorizeHeadlessly(start, { user: u.id, password: u.password });
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier }, { resource: gh.mcpUrl });
    expect((await rpc(gh.mcpUrl, initialize, { authorization: `Bearer ${tokens.access_token}` })).status).toBe(200);
  });

  it('session and interaction rows are keyed by the hash of their cookie value, not the value', async () => {
    await authorize(gh, 'bob');
    const rows = oidcRows(gh).filter((r) => r.model === 'Session' || r.model === 'Interaction');
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      const payload = JSON.parse(r.payload) as { jti?: string; session?: { cookie?: string } };
      expect(payload.jti).toBeUndefined();
      expect(payload.session?.cookie).toBeUndefined();
      expect(r.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
  });
});

describe('secrets at rest across a restart', () => {
  it('tokens issued before a restart still verify and refresh tokens still refresh', async () => {
    const dataDir = tempDir();
    const env = await fixedPorts();
    let gh = await startTestGatehouse(env, { dataDir });
    try {
      const { config, redeem } = await authorize(gh, 'alice');
      const tokens = await redeem();
      await gh.close();
      gh = await startTestGatehouse(env, { dataDir });
      expect((await rpc(gh.mcpUrl, initialize, { authorization: `Bearer ${tokens.access_token}` })).status).toBe(200);
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!, { resource: gh.mcpUrl });
      expect((await rpc(gh.mcpUrl, initialize, { authorization: `Bearer ${refreshed.access_token}` })).status).toBe(200);
    } finally {
      await gh.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('an existing data dir is migrated, not broken', () => {
  it('keys move from the secrets table to 0600 files, raw-token rows are re-keyed, old tokens keep working', async () => {
    const dataDir = tempDir();
    const env = await fixedPorts();
    let gh = await startTestGatehouse(env, { dataDir });
    try {
      const { config, redeem } = await authorize(gh, 'alice');
      const tokens = await redeem();
      const refresh = tokens.refresh_token!;
      const keys = Object.fromEntries(SECRET_NAMES.map((n) => [n, readFileSync(keyFile(dataDir, n), 'utf8').trim()]));
      const material = keyMaterial(dataDir);
      await gh.close();

      // Rewrite the data dir as the previous release left it: keys in the secrets table, the refresh token
      // row keyed by the token value (with the value as `jti`), a world-readable database, no key files.
      const db = new Database(join(dataDir, 'gatehouse.db'));
      const insert = db.prepare('INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?)');
      for (const [name, value] of Object.entries(keys)) insert.run(name, value, new Date().toISOString());
      const moved = db
        .prepare("UPDATE oidc_models SET id = @raw, payload = json_set(payload, '$.jti', @raw) WHERE model = 'RefreshToken' AND id = @hash")
        .run({ raw: refresh, hash: sha256(refresh) });
      expect(moved.changes).toBe(1);
      db.prepare("DELETE FROM schema_migrations WHERE id LIKE '007%'").run();
      db.close();
      for (const n of SECRET_NAMES) unlinkSync(keyFile(dataDir, n));
      chmodSync(join(dataDir, 'gatehouse.db'), 0o644);
      chmodSync(dataDir, 0o755);

      gh = await startTestGatehouse(env, { dataDir });
      expect(mode(dataDir)).toBe(0o700);
      expect(mode(join(dataDir, 'gatehouse.db'))).toBe(0o600);
      for (const n of SECRET_NAMES) {
        expect(mode(keyFile(dataDir, n))).toBe(0o600);
        expect(readFileSync(keyFile(dataDir, n), 'utf8').trim()).toBe(keys[n]);
      }
      expect(gh.db.prepare('SELECT COUNT(*) AS n FROM secrets').get()).toEqual({ n: 0 });
      const rows = oidcRows(gh);
      expect(rows.some((r) => r.model === 'RefreshToken' && r.id === sha256(refresh))).toBe(true);
      expect(JSON.stringify(rows)).not.toContain(refresh);
      const bytes = databaseBytes(dataDir);
      for (const secret of [...material, refresh]) expect(bytes.includes(secret)).toBe(false);

      // Signed with the key that came from the table, verified by the key that now comes from the file.
      expect((await rpc(gh.mcpUrl, initialize, { authorization: `Bearer ${tokens.access_token}` })).status).toBe(200);
      const refreshed = await oidc.refreshTokenGrant(config, refresh, { resource: gh.mcpUrl });
      expect((await rpc(gh.mcpUrl, initialize, { authorization: `Bearer ${refreshed.access_token}` })).status).toBe(200);
    } finally {
      await gh.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
