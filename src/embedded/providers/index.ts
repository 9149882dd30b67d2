import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
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

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use((_req, res, next) => {
    if (outage) return googleError(res, 503, 'UNAVAILABLE', 'The service is currently unavailable.');
    res.set('Cache-Control', 'no-store');
    next();
  });
  app.use(providerOAuthRouter({ accounts, tokens, clients }));
  app.use(googleCalendarRouter({ tokens, data }));
  app.use(gmailRouter({ tokens, data }));
  app.use((_req, res) => googleError(res, 404, 'NOT_FOUND', 'Not Found'));

  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
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

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
