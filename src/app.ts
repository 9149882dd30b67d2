import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApprovalGate } from './app/approval-gate.js';
import type { ApprovalHooks } from './approvals/await-approval.js';
import { createAuditLog, type AuditLog } from './audit/audit-log.js';
import type { Config } from './config.js';
import type { EmbeddedAuthServer } from './embedded/authserver/index.js';
import type { EmbeddedFga } from './embedded/fga/index.js';
import { createAuthorizer, type Authorizer } from './fga/authorizer.js';
import { createAuthorizeGate } from './gates/authorize.js';
import { budgetGate } from './gates/budget.js';
import { callersGate } from './gates/callers.js';
import { approvalNotConfigured, buildChain, requireNoPolicy } from './gates/chain.js';
import { rateLimitGate } from './gates/rate-limit.js';
import { scopesGate } from './gates/scopes.js';
import { createHttpApp } from './http/app.js';
import { bearerAuth } from './http/authenticate.js';
import { hostNamesFor } from './http/host-origin.js';
import { insecureNoAuth } from './http/insecure-no-auth.js';
import { resourceMetadataUrl } from './http/protected-resource-metadata.js';
import { ALL_SCOPES, BASELINE_SCOPES, SCOPES } from './identity/scopes.js';
import { createTokenVerifier } from './identity/verify-bearer.js';
import { createLogger, type Logger } from './log.js';
import { mcpMethodNotAllowed, mcpPostHandler } from './mcp/handler.js';
import type { RetrieverOptions } from './rag/authorized-retriever.js';
import { createDocuments, type Documents } from './rag/documents.js';
import { createSqliteAuditStore } from './store/sqlite/audit-store.js';
import { createBudgetStore } from './store/sqlite/budget-store.js';
import { keyDirFor, openDatabase, type SqliteDatabase } from './store/sqlite/database.js';
import { SqliteDocumentStore } from './store/sqlite/document-store.js';
import { SqliteFtsIndex } from './store/sqlite/fts-index.js';
import { sqliteMerchant } from './store/sqlite/demo-merchant.js';
import { createKeyFileSecretStore } from './store/sqlite/secrets.js';
import { documentTools } from './tools/catalog/documents.js';
import { builtinTools } from './tools/catalog/index.js';
import { purchaseTool } from './tools/catalog/purchase.js';
import type { AnyTool } from './tools/define.js';
import type { DemoProviders } from './embedded/providers/index.js';
import { createTokenVaultWiring, GOOGLE_API_URL } from './app/token-vault.js';
import { loadVaultKey } from './vault/sealed-box.js';

export const VERSION = '0.1.0';

/** The demo authorization model, tuples and tests loaded into the embedded FGA store on first start. */
export const DEMO_STORE_FILE = fileURLToPath(new URL('../authz/store.fga.yaml', import.meta.url));

export interface GatehouseOptions {
  readonly logger?: Logger;
  /** Replace the built-in catalogue (tests, or a team's own tools built with defineTool). */
  readonly tools?: readonly AnyTool[];
  /** Add a team's own tools (built with defineTool) to the built-in catalogue. */
  readonly extraTools?: readonly AnyTool[];
  /** The clock FGA conditions see (time-limited grants); tests freeze or advance it. */
  readonly now?: () => Date;
  /** The clock access-token `exp`/`nbf` checks and the verified-token cache see; tests freeze or advance it. */
  readonly tokenNow?: () => Date;
  /** Retrieval planner knobs (tests force the ListObjects cap small to exercise post-filtering). */
  readonly retrieval?: RetrieverOptions;
  /** Test-only pause points in the approval flow (crash tests); never set from configuration. */
  readonly approvalHooks?: ApprovalHooks;
}

export interface Gatehouse {
  readonly mcpUrl: string;
  readonly issuer: string;
  readonly audience: string;
  readonly db: SqliteDatabase;
  readonly audit: AuditLog;
  readonly authServer?: EmbeddedAuthServer;
  /** The embedded demo third-party provider ("Google"), in embedded mode. */
  readonly providers?: DemoProviders;
  readonly fga?: EmbeddedFga;
  readonly authorizer: Authorizer;
  readonly documents: Documents;
  close(): Promise<void>;
}

/**
 * The composition root: builds every part from the validated config, starts them in order and
 * stops them in reverse. The only place that knows whether a concern is embedded or remote.
 * Internal: it hands back the database and the stand-ins' handles (for the CLI and tests); the
 * package's `startGatehouse` (src/server.ts) exposes only the URLs and `close()`.
 */
export async function startGatehouse(config: Config, opts: GatehouseOptions = {}): Promise<Gatehouse> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const dbFile = join(config.dataDir, 'gatehouse.db');
  const db = openDatabase(dbFile);
  const keyDir = keyDirFor(dbFile);
  const vaultKey = loadVaultKey(createKeyFileSecretStore(keyDir), config.vault.encryptionKey);
  const stack: (() => Promise<void> | void)[] = [() => void db.close()];
  const close = async () => {
    for (const stop of stack.splice(0).reverse()) await stop();
  };
  try {
    const http = await listen(config.server.host, config.server.port);
    stack.push(() => closeServer(http));
    const port = (http.address() as AddressInfo).port;
    const origin = config.server.publicUrl ?? `http://${urlHost(config.server.host)}:${port}`;
    const mcpUrl = `${origin}/mcp`;

    let issuer: string;
    let audience = mcpUrl;
    let authServer: EmbeddedAuthServer | undefined;
    let providers: DemoProviders | undefined;
    if (config.auth.mode === 'embedded') {
      // The stand-ins (and oidc-provider) are loaded only when configuration asks for them.
      const [{ startEmbeddedAuthServer }, { startDemoProviders }, { demoGoogleConnection, providerTokenKey }, { DEMO_USERS }] = await Promise.all([
        import('./embedded/authserver/index.js'),
        import('./embedded/providers/index.js'),
        import('./embedded/providers/google-connection.js'),
        import('./embedded/seed/users.js'),
      ]);
      providers = await startDemoProviders({ host: config.server.host, port: config.providers.port, users: DEMO_USERS, tokenKey: providerTokenKey(keyDir), allowedHosts: config.server.allowedHosts, allowedOrigins: config.server.allowedOrigins, logger });
      stack.push(() => providers!.close());
      const google = demoGoogleConnection(providers, keyDir);
      authServer = await startEmbeddedAuthServer({
        tokenVault: { connections: [google.connection], encryptionKey: vaultKey },
        db,
        keyDir,
        host: config.server.host,
        port: config.auth.port,
        resource: { uri: mcpUrl, scopes: ALL_SCOPES, defaultScopes: BASELINE_SCOPES, name: 'Gatehouse', thirdPartyScopes: config.auth.thirdPartyScopes },
        users: DEMO_USERS,
        logger,
        cibaIntervalSeconds: config.approvals.cibaIntervalSeconds,
        allowedOrigins: config.server.allowedOrigins,
        tokenProfile: config.auth.tokenProfile,
      });
      stack.push(() => authServer!.close());
      issuer = authServer.issuer;
      google.register(issuer);
    } else {
      issuer = config.auth.issuer;
      audience = config.auth.audience ?? mcpUrl;
    }

    let fga: EmbeddedFga | undefined;
    let authorizer: Authorizer;
    if (config.fga.mode === 'embedded') {
      const [{ startEmbeddedFga }, { resolveFgaApiKeys }] = await Promise.all([import('./embedded/fga/index.js'), import('./embedded/fga/api-key.js')]);
      const { keys } = resolveFgaApiKeys(config.dataDir, config.fga.apiKeys);
      fga = await startEmbeddedFga({ db, host: config.server.host, port: config.fga.port, apiKeys: keys, allowedHosts: config.server.allowedHosts, seedStoreFile: DEMO_STORE_FILE, logger });
      stack.push(() => fga!.close());
      authorizer = createAuthorizer({ apiUrl: fga.url, storeId: fga.storeId, modelId: fga.modelId, apiToken: keys[0] });
    } else {
      authorizer = createAuthorizer(config.fga);
    }

    const documents = createDocuments({ store: new SqliteDocumentStore(db), index: new SqliteFtsIndex(db) }, authorizer, { now: opts.now, ...opts.retrieval });
    if (fga) await (await import('./rag/demo-corpus.js')).loadDemoCorpus({ store: documents.store, authorizer });

    const audit = createAuditLog(createSqliteAuditStore(db));
    const tools = [
      ...(opts.tools ?? [...builtinTools, ...documentTools(documents), purchaseTool(config.approvals.purchaseThreshold, sqliteMerchant(db))]),
      ...(opts.extraTools ?? []),
    ];
    const duplicate = tools.find((t, i) => tools.findIndex((u) => u.name === t.name) !== i);
    if (duplicate) throw new TypeError(`two tools are named "${duplicate.name}"`);
    const serverClient = authServer?.serverClient ?? (config.auth.mode === 'auth0' && config.auth.clientId ? { clientId: config.auth.clientId, clientSecret: config.auth.clientSecret! } : undefined);
    const customApiClient = authServer?.customApiClient ?? (config.auth.mode === 'auth0' ? config.auth.customApiClient : undefined);
    if (serverClient && !customApiClient) logger.warn('AUTH0_CUSTOM_API_CLIENT_ID is not set: tools that need a connected account are refused (Auth0 exchanges access tokens only for the Custom API Client)');
    const googleApiUrl = config.vault.googleApiUrl ?? providers?.url ?? GOOGLE_API_URL;
    const vault = serverClient && customApiClient
      ? createTokenVaultWiring({ db, issuer, origin, client: serverClient, exchangeClient: customApiClient, encryptionKey: vaultKey, tools, apiBaseUrls: { 'google-oauth2': googleApiUrl }, logger })
      : undefined;
    const approvals = serverClient
      ? createApprovalGate({ db, audit, logger, issuer, audience, client: serverClient, ...config.approvals, clockSkewSeconds: config.server.clockSkewSeconds, hooks: opts.approvalHooks })
      : undefined;
    const chain = buildChain({
      callers: callersGate,
      scopes: scopesGate,
      rateLimit: rateLimitGate(),
      authorize: createAuthorizeGate(authorizer, opts.now),
      connect: vault?.gate ?? requireNoPolicy('connect', (t) => t.connection !== undefined),
      budget: budgetGate(createBudgetStore(db)),
      approve: approvals ?? approvalNotConfigured,
    });
    const challenge = { resourceMetadataUrl: resourceMetadataUrl(mcpUrl), baselineScopes: BASELINE_SCOPES };
    const verifier = createTokenVerifier({ issuer, audience, clockSkewSeconds: config.server.clockSkewSeconds, now: opts.tokenNow && (() => opts.tokenNow!().getTime()) });
    const bearer = bearerAuth({ verifier, challenge, logger });
    const hosts = hostNamesFor(config.server.host, port, [
      ...(config.server.publicUrl ? [new URL(config.server.publicUrl).host] : []),
      ...config.server.allowedHosts,
    ]);
    const origins = new Set([new URL(origin).origin, ...config.server.allowedOrigins.map((o) => o.toLowerCase())]);
    const deps = { tools, chain, audit, logger, resource: () => mcpUrl, version: VERSION, documents: documents.retriever };
    if (config.server.insecureNoAuth) logger.warn('GATEHOUSE_INSECURE_NO_AUTH is set: /mcp accepts unauthenticated requests (test only)');

    const app = createHttpApp({
      logger,
      bodyLimit: config.server.bodyLimit,
      allowedHosts: () => hosts,
      allowedOrigins: () => origins,
      metadata: () => ({
        resource: mcpUrl,
        authorization_servers: [issuer],
        scopes_supported: Object.keys(SCOPES),
        bearer_methods_supported: ['header'],
        resource_name: 'Gatehouse',
      }),
      authenticate: config.server.insecureNoAuth ? insecureNoAuth() : bearer,
      mcpPost: mcpPostHandler(deps, challenge),
      mcpOther: mcpMethodNotAllowed,
      routers: vault ? [vault.routes(bearer)] : undefined,
    });
    http.on('request', app);
    await approvals?.reconcile();
    logger.info({ mcpUrl, issuer }, 'gatehouse started');
    return { mcpUrl, issuer, audience, db, audit, authServer, providers, fga, authorizer, documents, close };
  } catch (e) {
    await close();
    throw e;
  }
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
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
