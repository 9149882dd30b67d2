/**
 * resolveBackends is the one place that decides what each concern runs on; the CLI reads the same
 * URLs from it. Real starts on loopback with port 0; nothing at start-up may need a remote service.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { embeddedEndpoints, resolveBackends, signInEndpoints } from '../../src/app/resolve-backends.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { tempDir } from '../helpers/bootstrap.js';

const base = { GATEHOUSE_DATA_DIR: '/nonexistent', GATEHOUSE_PORT: '8787', GATEHOUSE_AUTH_PORT: '8788', GATEHOUSE_FGA_PORT: '8789' };

describe('embeddedEndpoints (what the CLI talks to)', () => {
  it('brackets an IPv6 loopback in every URL', () => {
    expect(embeddedEndpoints(loadConfig({ ...base, GATEHOUSE_HOST: '::1' }))).toEqual({
      origin: 'http://[::1]:8787',
      mcpUrl: 'http://[::1]:8787/mcp',
      issuer: 'http://[::1]:8788',
      fgaUrl: 'http://[::1]:8789',
    });
  });

  it('reaches a wildcard bind on 127.0.0.1, and the issuer is the one the server names itself', () => {
    expect(embeddedEndpoints(loadConfig({ ...base, GATEHOUSE_HOST: '0.0.0.0' }))).toMatchObject({ origin: 'http://127.0.0.1:8787', fgaUrl: 'http://127.0.0.1:8789', issuer: 'http://0.0.0.0:8788' });
  });

  it('uses GATEHOUSE_PUBLIC_URL for the MCP origin', () => {
    expect(embeddedEndpoints(loadConfig({ ...base, GATEHOUSE_PUBLIC_URL: 'https://mcp.example.com' })).mcpUrl).toBe('https://mcp.example.com/mcp');
  });
});

describe('signInEndpoints (where the CLI\'s headless flows sign in)', () => {
  it('embedded: the embedded authorization server, for this server\'s MCP URL', () => {
    expect(signInEndpoints(loadConfig(base))).toEqual({ origin: 'http://127.0.0.1:8787', issuer: 'http://127.0.0.1:8788', resource: 'http://127.0.0.1:8787/mcp' });
  });

  it('GATEHOUSE_ISSUER_URL: that issuer, for GATEHOUSE_AUDIENCE (the instance it trusts), else this MCP URL; AUTH0_DOMAIN: none', () => {
    const second = { ...base, GATEHOUSE_PORT: '8797', GATEHOUSE_ISSUER_URL: 'http://127.0.0.1:8788' };
    expect(signInEndpoints(loadConfig({ ...second, GATEHOUSE_AUDIENCE: 'http://127.0.0.1:8787/mcp' }))).toEqual({ origin: 'http://127.0.0.1:8797', issuer: 'http://127.0.0.1:8788', resource: 'http://127.0.0.1:8787/mcp' });
    expect(signInEndpoints(loadConfig(second))).toMatchObject({ resource: 'http://127.0.0.1:8797/mcp' });
    expect(signInEndpoints(loadConfig({ ...base, AUTH0_DOMAIN: 'acme.us.auth0.com' }))).toBeUndefined();
  });
});

describe('resolveBackends', () => {
  it('with AUTH0_DOMAIN and FGA_API_URL starts no stand-in and takes issuer and clients from the variables', async () => {
    const dataDir = tempDir();
    const b = await resolveBackends(
      loadConfig({
        GATEHOUSE_DATA_DIR: dataDir,
        GATEHOUSE_PORT: '0',
        AUTH0_DOMAIN: '127.0.0.1:9',
        AUTH0_CLIENT_ID: 'server-client',
        AUTH0_CLIENT_SECRET: 'server-secret',
        FGA_API_URL: 'http://127.0.0.1:9',
        FGA_STORE_ID: '01HZZZZZZZZZZZZZZZZZZZZZZZ',
      }),
      silentLogger,
    );
    try {
      expect(b).toMatchObject({ issuer: 'https://127.0.0.1:9/', audience: b.mcpUrl, serverClient: { clientId: 'server-client', clientSecret: 'server-secret' }, customApiClient: undefined, seedDocuments: undefined });
      expect([b.authServer, b.providers, b.fga]).toEqual([undefined, undefined, undefined]);
    } finally {
      await b.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('with GATEHOUSE_ISSUER_URL (http on loopback) starts no stand-in, trusts that issuer, and has no clients unless AUTH0_CLIENT_ID is set', async () => {
    const dataDir = tempDir();
    const b = await resolveBackends(
      loadConfig({ GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_PORT: '0', GATEHOUSE_ISSUER_URL: 'http://127.0.0.1:9', FGA_API_URL: 'http://127.0.0.1:9', FGA_STORE_ID: '01HZZZZZZZZZZZZZZZZZZZZZZZ' }),
      silentLogger,
    );
    try {
      expect(b).toMatchObject({ issuer: 'http://127.0.0.1:9', audience: b.mcpUrl, serverClient: undefined, customApiClient: undefined, seedDocuments: undefined });
      expect([b.authServer, b.providers, b.fga]).toEqual([undefined, undefined, undefined]);
    } finally {
      await b.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('the requestState key: GATEHOUSE_REQUEST_STATE_KEY, else generated once into <data>/keys/request-state.key (0600) and reused', async () => {
    const dataDir = tempDir();
    const env = { GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_PORT: '0', AUTH0_DOMAIN: '127.0.0.1:9', FGA_API_URL: 'http://127.0.0.1:9', FGA_STORE_ID: '01HZZZZZZZZZZZZZZZZZZZZZZZ' };
    const keyOf = async (extra: Record<string, string> = {}) => {
      const b = await resolveBackends(loadConfig({ ...env, ...extra }), silentLogger);
      await b.close();
      return Buffer.from(b.requestStateKey).toString('base64url');
    };
    try {
      const generated = await keyOf();
      const file = join(dataDir, 'keys', 'request-state.key');
      expect(readFileSync(file, 'utf8').trim()).toBe(generated);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(Buffer.from(generated, 'base64url')).toHaveLength(32);
      expect(await keyOf()).toBe(generated);
      const configured = randomBytes(32).toString('base64url');
      expect(await keyOf({ GATEHOUSE_REQUEST_STATE_KEY: configured })).toBe(configured);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('in embedded mode starts the stand-ins and takes the clients from the embedded authorization server', async () => {
    const dataDir = tempDir();
    const b = await resolveBackends(loadConfig({ GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_PORT: '0', GATEHOUSE_AUTH_PORT: '0', GATEHOUSE_FGA_PORT: '0', GATEHOUSE_PROVIDERS_PORT: '0' }), silentLogger);
    try {
      expect(b.issuer).toBe(b.authServer!.issuer);
      expect(b.serverClient).toEqual(b.authServer!.serverClient);
      expect(b.customApiClient).toEqual(b.authServer!.customApiClient);
      expect(b.googleApiUrl).toBe(b.providers!.url);
      expect(b.seedDocuments).toBeTypeOf('function');
    } finally {
      await b.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
