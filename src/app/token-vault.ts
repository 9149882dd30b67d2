import type { RequestHandler, Router } from 'express';
import type * as oidc from 'openid-client';
import type { ConnectGateDeps } from '../gates/connect.js';
import { connectRoutes, type ConnectPort } from '../http/connect-routes.js';
import type { Logger } from '../log.js';
import type { Upstreams } from '../resilience/upstream.js';
import type { Stores } from '../store/stores.js';
import type { AnyTool } from '../tools/define.js';
import { ConnectFlow, ConnectFlowError } from '../vault/connect-flow.js';
import { ConnectFlowStore } from '../vault/connect-flow-store.js';
import { ConnectTickets } from '../vault/connect-ticket.js';
import { ConnectedAccountsLedger } from '../vault/connected-accounts-ledger.js';
import { MyAccountClient } from '../vault/my-account-client.js';
import { SealedBox } from '../vault/sealed-box.js';
import { federatedTokenExchange } from '../vault/token-exchange.js';
import { TokenVault } from '../vault/token-vault.js';

/** The real Google APIs; the embedded demo provider (or GATEHOUSE_GOOGLE_API_URL) replaces only this URL. */
export const GOOGLE_API_URL = 'https://www.googleapis.com';

export interface TokenVaultWiringOptions {
  /** Connect tickets, connect flows and connected accounts live in the Store (shared by every instance on it). */
  readonly stores: Pick<Stores, 'connectTickets' | 'connectFlows' | 'connectedAccounts'>;
  /** The authorization server holding the vault (Auth0 tenant or the embedded one). */
  readonly issuer: string;
  /** Gatehouse's public origin (connect URLs and the /connect/callback redirect URI). */
  readonly origin: string;
  /** Gatehouse's own client (a Regular Web Application on Auth0): the connect login and My Account API. */
  readonly client: () => Promise<oidc.Configuration>;
  /** The Custom API Client linked to the MCP API: the only client Auth0 lets exchange an access token at the Token Vault. */
  readonly exchangeClient: () => Promise<oidc.Configuration>;
  readonly encryptionKey: string;
  readonly tools: readonly AnyTool[];
  readonly apiBaseUrls: Readonly<Record<string, string>>;
  readonly logger: Logger;
  readonly upstreams: Upstreams;
}

export interface TokenVaultWiring {
  /** What the connect gate needs (createGates builds it). */
  readonly connect: ConnectGateDeps;
  routes(authenticate: RequestHandler): Router;
}

/** Builds the Token Vault client, the connect gate's dependencies and the connect web routes from one set of inputs. */
export function createTokenVaultWiring(o: TokenVaultWiringOptions): TokenVaultWiring {
  const tickets = new ConnectTickets(o.stores.connectTickets, o.origin);
  const ledger = new ConnectedAccountsLedger(o.stores.connectedAccounts);
  const vault = new TokenVault(federatedTokenExchange(o.exchangeClient, o.upstreams.vault), tickets, undefined, undefined, (connection) => o.upstreams.provider(connection));
  const box = new SealedBox(o.encryptionKey);
  const callbackUrl = new URL('/connect/callback', o.origin).href;
  const flow = new ConnectFlow({ issuer: o.issuer, callbackUrl, client: o.client, tickets, flows: new ConnectFlowStore(o.stores.connectFlows, box), myAccount: new MyAccountClient(o.issuer, o.upstreams.myAccount), ledger, logger: o.logger });
  const connectionScopes = new Map<string, string[]>();
  for (const t of o.tools) {
    if (!t.connection) continue;
    connectionScopes.set(t.connection.connection, [...new Set([...(connectionScopes.get(t.connection.connection) ?? []), ...t.connection.scopes])]);
  }
  const connect: ConnectPort = {
    start: (connection, ticket) => flow.start(connection, ticket),
    callback: (flowId, query) => flow.callback(flowId, query),
    issueTicket: (sub, connection, scopes) => tickets.issue(sub, connection, scopes),
    failureOf: (err) => (err instanceof ConnectFlowError ? err.kind : undefined),
  };
  return {
    connect: { vault, ledger, apiBaseUrls: o.apiBaseUrls },
    routes: (authenticate) => connectRoutes({ connect, origin: o.origin, connectionScopes, authenticate, logger: o.logger }),
  };
}
