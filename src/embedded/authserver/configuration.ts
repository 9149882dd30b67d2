import type { Configuration } from 'oidc-provider';
import type { SqliteDatabase } from '../../store/sqlite/database.js';
import type { DemoUser } from '../seed/users.js';
import { findAccountIn } from './accounts.js';
import { sqliteAdapterFactory } from './adapter.js';
import { clientScopePolicy } from './client-scope-policy.js';
import { withRedirectUriPolicy } from './redirect-uri-policy.js';
import { createCimdFetch, type CimdFetchOptions } from './cimd-fetch-guard.js';
import { clientIdMetadataDocument, withMetadataDocumentRules } from './client-id-metadata-document.js';
import { clientDefaults, firstPartyClientIds, staticClients, type FirstPartyClients } from './clients.js';
import { renderError } from './render-error.js';
import { resourceIndicators, type ResourceServerOptions } from './resource-indicators.js';
import { revocation } from './revocation.js';
import { ROUTES } from './routes.js';
import { auth0JwtCustomizer, extraTokenClaims, type TokenProfile } from './token-claims.js';
import { ciba, cibaRequestTtl } from './ciba.js';
import { richAuthorizationRequests } from './rich-authorization-requests.js';
import type { Clock, WindowCounter } from './throttle.js';

export interface ConfigurationInput {
  readonly db: SqliteDatabase;
  readonly jwks: { keys: object[] };
  readonly cookieKeys: string[];
  readonly resource: ResourceServerOptions;
  readonly users: readonly DemoUser[];
  readonly accessTokenTtlSeconds: number;
  /** The configured (first-party) clients; every registered client is third-party. */
  readonly clients: FirstPartyClients;
  readonly tokenProfile: TokenProfile;
  /** How client metadata documents are fetched (test-only relaxations; default the guarded production fetch). */
  readonly clientIdMetadataDocuments?: CimdFetchOptions;
  /** Counts the metadata-document fetches each address causes (CIMD_FETCHES_PER_MINUTE). */
  readonly metadataDocumentFetches: WindowCounter;
  readonly now: Clock;
}

const OIDC_SCOPES = ['openid', 'offline_access', 'profile', 'email'];
const DAY = 24 * 60 * 60;

/**
 * The oidc-provider configuration, assembled from one file per concept. A new capability (CIBA, RAR,
 * token exchange, ...) is a new file plus a line here.
 */
export function buildConfiguration(input: ConfigurationInput): Configuration {
  const { resource, users, accessTokenTtlSeconds } = input;
  // DCR clients may only register scopes listed here: every resource scope must be in this list.
  const scopes = [...new Set([...OIDC_SCOPES, ...resource.scopes])];
  const firstParty = firstPartyClientIds(input.clients);
  return {
    adapter: sqliteAdapterFactory(input.db),
    jwks: input.jwks as Configuration['jwks'],
    cookies: { keys: input.cookieKeys },
    clients: staticClients(input.clients, resource.uri),
    clientDefaults,
    extraClientMetadata: withMetadataDocumentRules(withRedirectUriPolicy(clientScopePolicy(scopes, firstParty))),
    // Every outgoing fetch of the provider (client metadata documents, and a client's jwks_uri) is guarded.
    fetch: createCimdFetch(input.clientIdMetadataDocuments),
    findAccount: findAccountIn(users),
    routes: ROUTES,
    scopes,
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
    extraParams: ['audience'],
    responseTypes: ['code'],
    pkce: { required: () => true },
    // As on Auth0: a refresh token only when offline_access was requested and granted. An approval
    // (CIBA) is one-shot: it never comes with a refresh token.
    issueRefreshToken: (ctx, client, source) =>
      client.grantTypeAllowed('refresh_token') && source.scopes.has('offline_access') && ctx.oidc.params?.grant_type !== 'urn:openid:params:grant-type:ciba',
    extraTokenClaims: extraTokenClaims(users),
    formats: { customizers: { jwt: auth0JwtCustomizer(input.tokenProfile) } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError,
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      clientCredentials: { enabled: true },
      revocation,
      resourceIndicators: resourceIndicators(resource, accessTokenTtlSeconds, { firstParty, machines: input.clients.machines }),
      ciba,
      richAuthorizationRequests,
      clientIdMetadataDocument: clientIdMetadataDocument(input.metadataDocumentFetches, input.now),
    },
    ttl: {
      AccessToken: accessTokenTtlSeconds,
      ClientCredentials: accessTokenTtlSeconds,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 30 * 60,
      Session: 14 * DAY,
      Grant: 14 * DAY,
      RefreshToken: 14 * DAY,
      BackchannelAuthenticationRequest: cibaRequestTtl,
    },
  };
}
