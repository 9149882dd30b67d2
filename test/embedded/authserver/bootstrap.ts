import { createRemoteJWKSet, jwtVerify } from 'jose';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedAuthServer, type EmbeddedAuthServer, type EmbeddedAuthServerOptions, type MachineClient } from '../../../src/embedded/authserver/index.js';
import { DEMO_USERS } from '../../../src/embedded/seed/users.js';
import { ALL_SCOPES, BASELINE_SCOPES } from '../../../src/identity/scopes.js';
import { silentLogger } from '../../../src/log.js';
import { openDatabase, type SqliteDatabase } from '../../../src/store/sqlite/database.js';

export const MCP_URL = 'http://127.0.0.1:8787/mcp';
export const RESOURCE = { uri: MCP_URL, scopes: ALL_SCOPES, defaultScopes: BASELINE_SCOPES, name: 'Gatehouse' } as const;

/** A configured first-party machine client with a client grant for docs:read on the MCP API (tests only). */
export const MACHINE_CLIENT: MachineClient = {
  clientId: 'nightly-report',
  clientSecret: 'nightly-report-test-secret-0123456789abcdef',
  name: 'Nightly report agent',
  grants: [{ audience: MCP_URL, scopes: ['docs:read'] }],
};

/** A configured machine client whose only client grant is for another API. */
export const UNGRANTED_MACHINE_CLIENT: MachineClient = {
  clientId: 'billing-export',
  clientSecret: 'billing-export-test-secret-0123456789abcdef',
  name: 'Billing export',
  grants: [{ audience: 'https://billing.example/api', scopes: ['read:invoices'] }],
};

/** A real embedded authorization server on 127.0.0.1:0 over a temporary SQLite file; restartable. */
export interface AuthServerFixture {
  server: EmbeddedAuthServer;
  readonly db: SqliteDatabase;
  restart(): Promise<EmbeddedAuthServer>;
  close(): Promise<void>;
}

export async function bootstrapAuthServer(extra: Partial<Pick<EmbeddedAuthServerOptions, 'tokenProfile' | 'resource' | 'clientIdMetadataDocuments' | 'now'>> = {}): Promise<AuthServerFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-authserver-'));
  const db = openDatabase(join(dir, 'state.sqlite'));
  const start = (port = 0) => startEmbeddedAuthServer({ db, host: '127.0.0.1', port, resource: RESOURCE, users: DEMO_USERS, logger: silentLogger, machineClients: [MACHINE_CLIENT, UNGRANTED_MACHINE_CLIENT], ...extra });
  const fixture: AuthServerFixture = {
    server: await start(),
    db,
    /** Same database and same port (so the issuer stays the same), new Provider. */
    async restart() {
      const port = Number(new URL(fixture.server.issuer).port);
      await fixture.server.close();
      // Let this process's HTTP client see the closed keep-alive sockets before reusing the origin.
      await new Promise((resolve) => setTimeout(resolve, 50));
      fixture.server = await start(port);
      return fixture.server;
    },
    async close() {
      await fixture.server.close();
      db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}

/** The scopes claim of a JWT access token as a sorted list. */
export function scopesOf(payload: { readonly [claim: string]: unknown }): string[] {
  return String(payload.scope ?? '').split(' ').filter(Boolean).sort();
}

/** Verify an access token from the fixture's server against its published JWKS, as a resource server would. */
export function verifyAccessToken(fx: AuthServerFixture, token: string) {
  const jwks = createRemoteJWKSet(new URL(`${fx.server.issuer}/.well-known/jwks.json`));
  return jwtVerify(token, jwks, { issuer: fx.server.issuer, audience: MCP_URL, algorithms: ['RS256'] });
}
