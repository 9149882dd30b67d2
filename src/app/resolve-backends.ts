/**
 * Where the backends are: the one place that turns a bind address and ports into the URLs the
 * server, its stand-ins and the CLI use, so the server and the commands that talk to it agree
 * (IPv6 hosts are bracketed; a wildcard bind is reached over loopback).
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import type { EmbeddedAuthServer } from '../embedded/authserver/index.js';
import type { EmbeddedFga } from '../embedded/fga/index.js';
import type { DemoProviders } from '../embedded/providers/index.js';
import { createAuthorizer, type Authorizer } from '../fga/authorizer.js';
import { ALL_SCOPES, BASELINE_SCOPES } from '../identity/scopes.js';
import type { Logger } from '../log.js';
import type { DocumentStore } from '../rag/document-store.js';
import { createUpstreams, UpstreamEvents, type Upstreams } from '../resilience/upstream.js';
import type { SqliteDatabase } from '../store/sqlite/database.js';
import { randomSecret } from '../store/sqlite/secrets.js';
import type { Stores } from '../store/stores.js';
import { openStores, storeSecret } from './open-stores.js';
import { loadVaultKey } from '../vault/sealed-box.js';
import { issuerDiscovery, type IssuerDiscovery } from './issuer-discovery.js';
import { GOOGLE_API_URL } from './token-vault.js';

/** The demo authorization model, tuples and tests loaded into the embedded FGA store on first start. */
export const DEMO_STORE_FILE = fileURLToPath(new URL('../../authz/store.fga.yaml', import.meta.url));

/** A bind address as it appears in a URL's authority: `::1` → `[::1]`. */
export function bracketHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** A bind address as a client reaches it: a wildcard (`0.0.0.0`, `::`) is reached on 127.0.0.1. */
export function reachableHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : bracketHost(host);
}

/** The public origin of the MCP port: GATEHOUSE_PUBLIC_URL, else the bind address and port. */
export function serverOrigin(config: Config, port = config.server.port): string {
  return config.server.publicUrl ?? `http://${reachableHost(config.server.host)}:${port}`;
}

export interface EmbeddedEndpoints {
  /** The MCP server's origin and resource (the audience of its tokens). */
  readonly origin: string;
  readonly mcpUrl: string;
  /** The embedded authorization server's issuer, exactly as it names itself in tokens and discovery. */
  readonly issuer: string;
  /** The embedded FGA API. */
  readonly fgaUrl: string;
}

/** The URLs of a running embedded stack started with this configuration (what the CLI talks to). */
export function embeddedEndpoints(config: Config): EmbeddedEndpoints {
  const origin = serverOrigin(config);
  const authPort = config.auth.mode === 'embedded' ? config.auth.port : 0;
  const fgaPort = config.fga.mode === 'embedded' ? config.fga.port : 0;
  return {
    origin,
    mcpUrl: `${origin}/mcp`,
    issuer: `http://${bracketHost(config.server.host)}:${authPort}`,
    fgaUrl: `http://${reachableHost(config.server.host)}:${fgaPort}`,
  };
}

export interface SignInEndpoints {
  /** The MCP server's origin (where `/connect/tickets` is). */
  readonly origin: string;
  /** The authorization server a headless sign-in goes to, and the resource (audience) its tokens are for. */
  readonly issuer: string;
  readonly resource: string;
}

/**
 * Where the CLI's headless flows (token, connect, approvals) sign in: the embedded authorization
 * server this configuration starts, or GATEHOUSE_ISSUER_URL with its audience (a second instance
 * trusting another Gatehouse's embedded one: the only issuer with a headless sign-in). Undefined with
 * AUTH0_DOMAIN: people sign in to Auth0 in a browser.
 */
export function signInEndpoints(config: Config): SignInEndpoints | undefined {
  const e = embeddedEndpoints(config);
  switch (config.auth.mode) {
    case 'embedded':
      return { origin: e.origin, issuer: e.issuer, resource: e.mcpUrl };
    case 'oidc':
      return { origin: e.origin, issuer: config.auth.issuer, resource: config.auth.audience ?? e.mcpUrl };
    case 'auth0':
      return undefined;
  }
}

/** An OAuth client's credentials at the authorization server. */
export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

/**
 * Every backend the server talks to, resolved from configuration: embedded stand-ins started on
 * loopback, or the remote services named by the variables. What `assemble` builds on; it never asks
 * which mode produced them.
 */
export interface Backends {
  readonly config: Config;
  readonly logger: Logger;
  /** The data dir's SQLite file: the Store on SQLite, and the embedded stand-ins' own tables; absent on PostgreSQL with no stand-in. */
  readonly db: SqliteDatabase | undefined;
  /** Every Store port (GATEHOUSE_DATABASE_URL: PostgreSQL; otherwise the SQLite file). */
  readonly stores: Stores;
  readonly vaultKey: string;
  /** The key that seals MCP requestStates: configured, or generated once into the data dir, so instances sharing either resume each other's calls. */
  readonly requestStateKey: Uint8Array;
  /** The MCP port, listening but not yet answering (assemble attaches the app). */
  readonly http: Server;
  readonly port: number;
  readonly origin: string;
  readonly mcpUrl: string;
  readonly issuer: string;
  readonly audience: string;
  /** The issuer's metadata, discovered once for the server's life, and Gatehouse's clients built on it. */
  readonly discovery: IssuerDiscovery;
  /** The confidential client that runs CIBA and the Token Vault's connect flow; absent when not configured. */
  readonly serverClient: ClientCredentials | undefined;
  /** The Custom API Client Auth0 exchanges access tokens for (Token Vault); absent when not configured. */
  readonly customApiClient: ClientCredentials | undefined;
  readonly authorizer: Authorizer;
  /** The deadline, bulkhead and circuit breaker of each upstream, and the events they report (metrics subscribe). */
  readonly upstreams: Upstreams;
  readonly upstreamEvents: UpstreamEvents;
  readonly googleApiUrl: string;
  /** `/mcp` without authentication (test only, loopback only: config refuses it elsewhere). */
  readonly insecureNoAuth: boolean;
  /** Seeds the demo corpus into a fresh document store (embedded FGA only). */
  readonly seedDocuments: ((store: DocumentStore) => Promise<void>) | undefined;
  readonly authServer?: EmbeddedAuthServer;
  readonly providers?: DemoProviders;
  readonly fga?: EmbeddedFga;
  /** Stops everything started, in reverse order. */
  close(): Promise<void>;
}

/**
 * The one place with mode branches: opens the database, binds the MCP port, starts the embedded
 * stand-ins or points at Auth0 / OpenFGA, and decides the clients. On failure it stops what it
 * started and rethrows.
 */
export async function resolveBackends(config: Config, logger: Logger): Promise<Backends> {
  const { stores, db, keyDir, close: closeStores } = await openStores(config, logger);
  const stack: (() => Promise<void> | void)[] = [closeStores];
  const close = async () => {
    for (const stop of stack.splice(0).reverse()) await stop();
  };
  try {
    const vaultKey = await loadVaultKey({ get: (name, generate) => storeSecret(stores, name, generate) }, config.vault.encryptionKey);
    const requestStateKey = Buffer.from(config.requestState.key ?? (await storeSecret(stores, 'request-state', randomSecret)), 'base64url');
    const http = await listen(config.server.host, config.server.port);
    stack.push(() => closeServer(http));
    const port = (http.address() as AddressInfo).port;
    const origin = serverOrigin(config, port);
    const mcpUrl = `${origin}/mcp`;

    let issuer: string;
    let audience = mcpUrl;
    let authServer: EmbeddedAuthServer | undefined;
    let providers: DemoProviders | undefined;
    let serverClient: ClientCredentials | undefined;
    let customApiClient: ClientCredentials | undefined;
    if (config.auth.mode === 'embedded') {
      // The stand-ins (and oidc-provider) are loaded only when configuration asks for them.
      const [{ startEmbeddedAuthServer }, { startDemoProviders }, { demoGoogleConnection, providerTokenKey }, { DEMO_USERS }] = await Promise.all([
        import('../embedded/authserver/index.js'),
        import('../embedded/providers/index.js'),
        import('../embedded/providers/google-connection.js'),
        import('../embedded/seed/users.js'),
      ]);
      const started = await startDemoProviders({ host: config.server.host, port: config.providers.port, users: DEMO_USERS, tokenKey: providerTokenKey(keyDir), allowedHosts: config.server.allowedHosts, allowedOrigins: config.server.allowedOrigins, logger });
      providers = started;
      stack.push(() => started.close());
      const google = demoGoogleConnection(started, keyDir);
      const as = await startEmbeddedAuthServer({
        tokenVault: { connections: [google.connection], encryptionKey: vaultKey },
        db: standIns(db),
        keyDir,
        host: config.server.host,
        port: config.auth.port,
        resource: { uri: mcpUrl, scopes: ALL_SCOPES, defaultScopes: BASELINE_SCOPES, name: 'Gatehouse', thirdPartyScopes: config.auth.thirdPartyScopes },
        users: DEMO_USERS,
        logger,
        cibaIntervalSeconds: config.approvals.cibaIntervalSeconds,
        allowedOrigins: config.server.allowedOrigins,
        tokenProfile: config.auth.tokenProfile,
        clientIdMetadataDocuments: config.auth.clientIdMetadataDocuments && {
          allowSpecialUseAddresses: config.auth.clientIdMetadataDocuments.allowPrivateAddresses,
          extraCa: config.auth.clientIdMetadataDocuments.caFile ? readFileSync(config.auth.clientIdMetadataDocuments.caFile, 'utf8') : undefined,
        },
      });
      authServer = as;
      stack.push(() => as.close());
      issuer = as.issuer;
      google.register(issuer);
      serverClient = as.serverClient;
      customApiClient = as.customApiClient;
    } else {
      issuer = config.auth.issuer;
      audience = config.auth.audience ?? mcpUrl;
      serverClient = config.auth.clientId ? { clientId: config.auth.clientId, clientSecret: config.auth.clientSecret! } : undefined;
      customApiClient = config.auth.customApiClient;
    }

    const upstreamEvents = new UpstreamEvents();
    const upstreams = createUpstreams(config.upstreams, upstreamEvents);
    let fga: EmbeddedFga | undefined;
    let authorizer: Authorizer;
    let seedDocuments: Backends['seedDocuments'];
    if (config.fga.mode === 'embedded') {
      const [{ startEmbeddedFga }, { resolveFgaApiKeys }] = await Promise.all([import('../embedded/fga/index.js'), import('../embedded/fga/api-key.js')]);
      const { keys } = resolveFgaApiKeys(config.dataDir, config.fga.apiKeys);
      const started = await startEmbeddedFga({ db: standIns(db), host: config.server.host, port: config.fga.port, apiKeys: keys, allowedHosts: config.server.allowedHosts, seedStoreFile: DEMO_STORE_FILE, logger });
      fga = started;
      stack.push(() => started.close());
      const embeddedAuthorizer = createAuthorizer({ apiUrl: started.url, storeId: started.storeId, modelId: started.modelId, apiToken: keys[0], upstream: upstreams.fga });
      authorizer = embeddedAuthorizer;
      seedDocuments = async (store) => void (await (await import('../embedded/seed/demo-corpus.js')).loadDemoCorpus({ store, authorizer: embeddedAuthorizer }));
    } else {
      authorizer = createAuthorizer({ ...config.fga, upstream: upstreams.fga });
    }

    // Plain http only on loopback: the embedded authorization server, or a GATEHOUSE_ISSUER_URL there
    // (config refuses http elsewhere); AUTH0_DOMAIN is always https.
    const discovery = issuerDiscovery(issuer, { allowInsecureRequests: config.auth.mode === 'embedded' || isLoopbackHttp(issuer) });
    const insecureNoAuth = config.server.insecureNoAuth;
    if (insecureNoAuth) logger.warn('GATEHOUSE_INSECURE_NO_AUTH is set: /mcp accepts unauthenticated requests (test only)');
    return {
      config,
      logger,
      db,
      stores,
      vaultKey,
      requestStateKey,
      http,
      port,
      origin,
      mcpUrl,
      issuer,
      audience,
      discovery,
      serverClient,
      customApiClient,
      authorizer,
      upstreams,
      upstreamEvents,
      googleApiUrl: config.vault.googleApiUrl ?? providers?.url ?? GOOGLE_API_URL,
      insecureNoAuth,
      seedDocuments,
      authServer,
      providers,
      fga,
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** An http URL to a loopback host (an issuer on this machine). */
export function isLoopbackHttp(url: string): boolean {
  const u = new URL(url);
  return u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname);
}

function listen(host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** The SQLite file the embedded stand-ins keep their tables in (opened whenever one of them runs). */
function standIns(db: SqliteDatabase | undefined): SqliteDatabase {
  if (!db) throw new TypeError('the embedded stand-ins need the data dir database');
  return db;
}
