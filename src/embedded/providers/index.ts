import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler } from 'express';
import { checkHostOrigin, HOST_ORIGIN_MESSAGES, hostNamesFor } from '../../http/host-origin.js';
import { silentLogger, type Logger } from '../../log.js';
import type { DemoUser } from '../seed/users.js';
import { ProviderData } from './calendar-store.js';
import { googleError } from './google-api-auth.js';
import { googleCalendarRouter } from './google-calendar-api.js';
import { gmailRouter } from './gmail-api.js';
import { providerAccountsFor } from './provider-accounts.js';
import { providerOAuthRouter, type ProviderClient } from './provider-oauth.js';
import { ProviderTokens } from './provider-tokens.js';

export type { ProviderClient } from './provider-oauth.js';

export interface DemoProviders {
  /** Base URL of the demo "Google": OAuth endpoints and the API subsets share it. */
  readonly url: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly userinfoEndpoint: string;
  readonly data: ProviderData;
  registerClient(client: ProviderClient): void;
  /** Test and demo knobs for a stand-in: provider-side token expiry, and an outage (503 everywhere). */
  invalidateAccessTokens(providerSubject?: string): void;
  setOutage(down: boolean): void;
  close(): Promise<void>;
}

export interface DemoProvidersOptions {
  readonly host: string;
  readonly port: number;
  readonly users: readonly DemoUser[];
  /** HMAC key for the provider's self-contained tokens (persist it so tokens survive restarts). */
  readonly tokenKey: string;
  /** Extra Host header values and browser origins to accept, as on the MCP port (GATEHOUSE_ALLOWED_HOSTS/ORIGINS). */
  readonly allowedHosts?: readonly string[];
  readonly allowedOrigins?: readonly string[];
  readonly logger?: Logger;
}

/**
 * The demo third-party provider ("Google") on its own port: an OAuth 2.0 server (authorization code,
 * refresh) and the Calendar v3 / Gmail v1 subsets the tools call. Only the base URL differs from Google.
 */
export async function startDemoProviders(opts: DemoProvidersOptions): Promise<DemoProviders> {
  const logger = opts.logger ?? silentLogger;
  const accounts = providerAccountsFor(opts.users);
  const tokens = new ProviderTokens(opts.tokenKey);
  const data = new ProviderData(accounts);
  const clients = new Map<string, ProviderClient>();
  let outage = false;
  // Known once listening (port 0 picks the port); until then nothing is allowed.
  let hosts: ReadonlySet<string> = new Set();
  let origins: ReadonlySet<string> = new Set();

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // The MCP port's DNS-rebinding rules: Host must name this server, a browser Origin must be allowed.
  app.use((req, res, next) => {
    const verdict = checkHostOrigin(req.headers, hosts, origins);
    if (verdict !== 'ok') return googleError(res, 403, 'PERMISSION_DENIED', HOST_ORIGIN_MESSAGES[verdict]);
    next();
  });
  // No route takes more than MAX_BODY_BYTES: refuse a larger declared body before authentication.
  app.use((req, res, next) => {
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) return tooLarge(res);
    next();
  });
  app.use((_req, res, next) => {
    if (outage) return googleError(res, 503, 'UNAVAILABLE', 'The service is currently unavailable.');
    res.set('Cache-Control', 'no-store');
    next();
  });
  app.use(providerOAuthRouter({ accounts, tokens, clients }));
  app.use(googleCalendarRouter({ tokens, data }));
  app.use(gmailRouter({ tokens, data }));
  app.use((_req, res) => googleError(res, 404, 'NOT_FOUND', 'Not Found'));
  app.use(bodyErrors(logger));

  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  hosts = hostNamesFor(opts.host, port, opts.allowedHosts ?? []);
  origins = new Set([new URL(url).origin, ...(opts.allowedOrigins ?? []).map((o) => o.toLowerCase())]);
  logger.info({ url }, 'demo providers listening');
  return {
    url,
    authorizationEndpoint: `${url}/o/oauth2/v2/auth`,
    tokenEndpoint: `${url}/token`,
    userinfoEndpoint: `${url}/v1/userinfo`,
    data,
    registerClient: (c) => void clients.set(c.clientId, c),
    invalidateAccessTokens: (sub) => tokens.invalidateAccessTokens(sub),
    setOutage: (down) => {
      outage = down;
    },
    close: () => closeServer(server),
  };
}

/** The largest body any route accepts (Gmail send's limit). */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

function tooLarge(res: express.Response): void {
  res.set('Connection', 'close');
  googleError(res, 413, 'INVALID_ARGUMENT', 'Request payload size exceeds the limit.');
}

/** Body-parser failures in Google's error shape with fixed texts; anything else is a 500 without detail. */
function bodyErrors(logger: Logger): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const type = (err as { type?: string }).type;
    if (res.headersSent) return;
    if (type === 'entity.too.large') return tooLarge(res);
    if (type === 'entity.parse.failed') return googleError(res, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    if (type === 'encoding.unsupported' || type === 'charset.unsupported') return googleError(res, 415, 'INVALID_ARGUMENT', 'Unsupported body encoding.');
    logger.error({ err: err instanceof Error ? err.name : 'Error' }, 'demo provider request failed');
    googleError(res, 500, 'INTERNAL', 'Internal error encountered.');
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
