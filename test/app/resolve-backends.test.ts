/**
 * resolveBackends is the one place that decides what each concern runs on; the CLI reads the same
 * URLs from it. Real starts on loopback with port 0; nothing at start-up may need a remote service.
 */
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { embeddedEndpoints, resolveBackends } from '../../src/app/resolve-backends.js';
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
