import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { Logger } from '../../log.js';
import type { SqliteDatabase } from '../../store/sqlite/database.js';
import { SealedBox } from '../../vault/sealed-box.js';
import type { DemoUser } from '../seed/users.js';
import { ConnectedAccountsStore } from './connected-accounts-store.js';
import type { CustomApiClient } from './custom-api-client.js';
import { handleConnectRedirects } from './connect-redirects.js';
import type { FederatedConnection } from './federated-connections.js';
import { registerFederatedTokenExchange } from './federated-token-exchange.js';
import { localTokenVerifier } from './local-token-verifier.js';
import { handleMyAccountApi } from './my-account-api.js';

export interface TokenVaultOptions {
  readonly db: SqliteDatabase;
  readonly issuer: string;
  readonly jwks: { keys: object[] };
  /** The MCP resource: its users' access tokens are the exchange's subject tokens. */
  readonly subjectAudience: string;
  /** The client linked to subjectAudience: the only one that may exchange its access tokens. */
  readonly customApiClient: CustomApiClient;
  readonly connections: readonly FederatedConnection[];
  /** 32 bytes base64url: seals provider refresh tokens at rest. */
  readonly encryptionKey: string;
  readonly users: readonly DemoUser[];
  readonly logger: Logger;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/**
 * The embedded Token Vault: the federated connection token exchange grant, the My Account
 * connected-accounts API and the browser redirects of the connect flow. Returns the HTTP handler for
 * the routes oidc-provider does not serve.
 */
export function setupTokenVault(provider: Provider, opts: TokenVaultOptions): RouteHandler {
  const store = new ConnectedAccountsStore(opts.db, new SealedBox(opts.encryptionKey));
  const connections = new Map(opts.connections.map((c) => [c.name, c]));
  const verify = localTokenVerifier(opts.issuer, opts.jwks);
  registerFederatedTokenExchange(provider, { store, connections, subjectAudience: opts.subjectAudience, customApiClient: opts.customApiClient, verify, logger: opts.logger });
  const myAccount = { provider, issuer: opts.issuer, store, connections, verify, logger: opts.logger };
  const redirects = { issuer: opts.issuer, store, connections, users: opts.users, logger: opts.logger };
  return async (req, res) => (await handleMyAccountApi(myAccount, req, res)) || (await handleConnectRedirects(redirects, req, res));
}
