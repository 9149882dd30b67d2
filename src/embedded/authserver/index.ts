import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { silentLogger, type Logger } from '../../log.js';
import { keyDirFor, type SqliteDatabase } from '../../store/sqlite/database.js';
import type { DemoUser } from '../seed/users.js';
import { deleteExpired } from './adapter.js';
import { buildConfiguration } from './configuration.js';
import { defaultScopeMiddleware } from './default-scope.js';
import { handleInteraction } from './interactions.js';
import { loadCookieKeys, loadCsrfKey, loadCustomApiClientSecret, loadServerClientSecret, loadSigningJwks } from './keys.js';
import { observeProvider } from './events.js';
import { cibaIntervalMiddleware } from './ciba-interval.js';
import { cibaSlowDownMiddleware } from './ciba-slow-down.js';
import { createDeviceApprovals } from './device-approvals.js';
import { handleDevice } from './device-routes.js';
import type { ResourceServerOptions } from './resource-indicators.js';
import type { FederatedConnection } from './federated-connections.js';
import { setupTokenVault, type RouteHandler } from './token-vault.js';

export { CLI_CLIENT_ID, CLI_REDIRECT_URI, SERVER_CLIENT_ID } from './clients.js';
import { SERVER_CLIENT_ID, type ServerClient } from './clients.js';
import type { MachineClient } from './client-grants.js';
import { CUSTOM_API_CLIENT_ID, type CustomApiClient } from './custom-api-client.js';
import { grantTypePolicyMiddleware } from './grant-type-policy.js';
import { formFromJsonTokenRequest } from './token-json-body.js';
import type { TokenProfile } from './token-claims.js';
export { CUSTOM_API_CLIENT_ID } from './custom-api-client.js';
export type { MachineClient } from './client-grants.js';
export { TOKEN_PROFILES, type TokenProfile } from './token-claims.js';
import { registrationCors } from './registration-cors.js';
import { hostNamesFor } from '../../http/host-origin.js';
import { createPortGuard } from './port-guard.js';
import { REGISTRATIONS_PER_MINUTE, registrationThrottle } from './registration-throttle.js';
import { BACKCHANNEL_REQUESTS_PER_MINUTE, throttleBackchannelRequests } from './ciba-throttle.js';
import { LoginThrottle } from './login-throttle.js';
import { deviceLoginThrottle } from './device-login-throttle.js';
import { WindowCounter, type Clock } from './throttle.js';
import type { CimdFetchOptions } from './cimd-fetch-guard.js';
import { answerMetadataDocumentErrors, CIMD_FETCHES_PER_MINUTE } from './client-id-metadata-document.js';
export { ROUTES } from './routes.js';

export interface EmbeddedAuthServer {
  readonly issuer: string;
  /** Gatehouse's own confidential client at this server (the AUTH0_CLIENT_ID/SECRET of production). */
  readonly serverClient: ServerClient;
  /** The Custom API Client of the MCP API (AUTH0_CUSTOM_API_CLIENT_ID/SECRET in production): the Token Vault exchange. */
  readonly customApiClient: CustomApiClient;
  readonly provider: Provider;
  close(): Promise<void>;
}

export interface EmbeddedAuthServerOptions {
  readonly db: SqliteDatabase;
  /** Where the signing key, cookie keys and client secret live (0600 files); default `keys/` beside the database file. */
  readonly keyDir?: string;
  readonly host: string;
  /** 0 = a random free port. */
  readonly port: number;
  /** The MCP URL (exact, no trailing slash) and its scopes. */
  readonly resource: ResourceServerOptions;
  readonly users: readonly DemoUser[];
  readonly logger?: Logger;
  /** Default 3600. */
  readonly accessTokenTtlSeconds?: number;
  /** The CIBA poll interval advertised to clients; default 5. */
  readonly cibaIntervalSeconds?: number;
  /** Token Vault: upstream connections (e.g. the demo Google) and the key sealing their refresh tokens. */
  readonly tokenVault?: { readonly connections: readonly FederatedConnection[]; readonly encryptionKey: string };
  /** Browser origins allowed to call this port besides its own and loopback pages (GATEHOUSE_ALLOWED_ORIGINS). */
  readonly allowedOrigins?: readonly string[];
  /** The clock of the throttles (failed logins, registrations, backchannel requests, metadata-document fetches); tests move it. */
  readonly now?: Clock;
  /** Access-token profile: `auth0` (Auth0's default, `typ: JWT`) or `rfc9068` (`typ: at+jwt`); default auth0. */
  readonly tokenProfile?: TokenProfile;
  /** Configured first-party machine clients with their client grants (the only way to client_credentials). */
  readonly machineClients?: readonly MachineClient[];
  /**
   * How client metadata documents (https client_id URLs) are fetched. Production: the defaults (public
   * addresses only, Node's trust store). Tests add a CA or allow loopback (GATEHOUSE_EMBEDDED_CIMD_*).
   */
  readonly clientIdMetadataDocuments?: CimdFetchOptions;
}

const CLEANUP_INTERVAL_MS = 10 * 60 * 1000;

/**
 * The embedded authorization server playing Auth0: oidc-provider on its own node:http server at the root
 * of its own port. Listens first, then builds the Provider with the real port in its issuer.
 */
export async function startEmbeddedAuthServer(opts: EmbeddedAuthServerOptions): Promise<EmbeddedAuthServer> {
  const logger = opts.logger ?? silentLogger;
  const { db } = opts;
  const keyDir = opts.keyDir ?? keyDirFor(db.name);
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;

  const server = createServer((req, res) => {
    res.setHeader('X-Frame-Options', 'DENY');
    if (!handler) {
      res.statusCode = 503;
      res.end();
      return;
    }
    handler(req, res);
  });
  await listen(server, opts.host, opts.port);
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;

  const serverClient: ServerClient = { clientId: SERVER_CLIENT_ID, clientSecret: loadServerClientSecret(keyDir) };
  const customApiClient: CustomApiClient = { clientId: CUSTOM_API_CLIENT_ID, clientSecret: loadCustomApiClientSecret(keyDir), audience: opts.resource.uri };
  const jwks = await loadSigningJwks(keyDir);
  const configuration = buildConfiguration({
    db,
    jwks,
    cookieKeys: loadCookieKeys(keyDir),
    resource: opts.resource,
    users: opts.users,
    accessTokenTtlSeconds: opts.accessTokenTtlSeconds ?? 3600,
    clients: { server: serverClient, customApi: customApiClient, machines: opts.machineClients ?? [] },
    tokenProfile: opts.tokenProfile ?? 'auth0',
    clientIdMetadataDocuments: opts.clientIdMetadataDocuments,
    metadataDocumentFetches: new WindowCounter(CIMD_FETCHES_PER_MINUTE, 60_000, opts.now ?? Date.now),
    now: opts.now ?? Date.now,
  });
  const provider = new Provider(issuer, configuration);
  provider.use(grantTypePolicyMiddleware());
  provider.use(defaultScopeMiddleware(opts.resource.defaultScopes));
  provider.use(cibaIntervalMiddleware(opts.cibaIntervalSeconds ?? 5));
  provider.use(cibaSlowDownMiddleware(opts.cibaIntervalSeconds ?? 5));
  observeProvider(provider, logger);
  answerMetadataDocumentErrors(provider);
  const vault: RouteHandler | undefined = opts.tokenVault
    ? setupTokenVault(provider, { db, issuer, jwks, subjectAudience: opts.resource.uri, customApiClient, users: opts.users, logger, ...opts.tokenVault })
    : undefined;

  const now = opts.now ?? Date.now;
  throttleBackchannelRequests(provider, new WindowCounter(BACKCHANNEL_REQUESTS_PER_MINUTE, 60_000, now), now);
  const configuredClients = new Set((configuration.clients ?? []).map((c) => c.client_id));
  const deps = { provider, users: opts.users, csrfKey: loadCsrfKey(keyDir), logger, loginThrottle: new LoginThrottle(now), configuredClients };
  const throttleDeviceLogin = deviceLoginThrottle(deps.loginThrottle);
  const device = { issuer, approvals: createDeviceApprovals(provider, db), users: opts.users, key: deps.csrfKey, logger, loginThrottle: deps.loginThrottle };
  const callback = provider.callback();
  const guard = createPortGuard({
    allowedHosts: hostNamesFor(opts.host, port, []),
    allowedOrigins: new Set([new URL(issuer).origin, ...(opts.allowedOrigins ?? []).map((o) => o.toLowerCase())]),
  });
  const throttleRegistration = registrationThrottle(new WindowCounter(REGISTRATIONS_PER_MINUTE, 60_000, now), now);
  handler = (req, res) => {
    if (guard(req, res) || registrationCors(req, res) || throttleRegistration(req, res) || throttleDeviceLogin(req, res)) return;
    handleDevice(device, req, res)
      .then(async (handled) => handled || handleInteraction(deps, req, res))
      .then(async (handled) => handled || (vault ? vault(req, res) : false))
      .then(async (handled) => {
        if (handled) return;
        const request = await formFromJsonTokenRequest(req, res);
        if (request) callback(request, res);
      })
      .catch((err: unknown) => {
        logger.error({ err: err instanceof Error ? err.name : 'Error' }, 'authserver request failed');
        if (!res.headersSent) res.statusCode = 500;
        res.end();
      });
  };

  await deleteExpired(db);
  const cleanup = setInterval(() => {
    deleteExpired(db).catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.name : 'Error' }, 'authserver: removing expired models failed'));
  }, CLEANUP_INTERVAL_MS);
  cleanup.unref();
  logger.info({ issuer }, 'embedded authorization server listening');

  return {
    issuer,
    serverClient,
    customApiClient,
    provider,
    async close() {
      clearInterval(cleanup);
      if (!server.listening) return; // closing twice (e.g. an outage test, then shutdown) is a no-op
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
