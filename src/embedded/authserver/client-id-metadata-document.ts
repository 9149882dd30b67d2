import { errors, type Configuration, type Provider } from 'oidc-provider';
import { CIMD_MAX_BYTES, CimdFetchRefused, type CimdFetchRefusal } from './cimd-fetch-guard.js';
import { rateLimitHeaders, TooManyRequests } from './rate-limit.js';
import { clientAddress, type Clock, type WindowCounter } from './throttle.js';

type Feature = NonNullable<NonNullable<Configuration['features']>['clientIdMetadataDocument']>;

/** Fetches of client metadata documents one address may cause per minute (cache misses only). */
export const CIMD_FETCHES_PER_MINUTE = 60;

/**
 * OAuth Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, the MCP
 * 2026-07-28 way for a client to identify itself): an https `client_id` is the URL of the client's
 * metadata, fetched when the client is first seen (cimd-fetch-guard.ts) and checked by oidc-provider
 * (`client_id` equal to the URL, no client secret, no shared-secret authentication) and by our client
 * rules (client-scope-policy.ts, redirect-uri-policy.ts, withMetadataDocumentRules below). Such a
 * client is third-party, as a DCR client: it is never configured.
 *
 * Cached only as long as the document's Cache-Control / Expires allow, at most an hour. The fetches
 * one address causes are throttled (`fetches`, CIMD_FETCHES_PER_MINUTE): past the limit 429
 * `too_many_requests`, so the server cannot be used to send requests to others at any rate.
 */
export function clientIdMetadataDocument(fetches: WindowCounter, now: Clock): Feature {
  return {
    enabled: true,
    ack: 'draft-02',
    async allowFetch(ctx, clientId) {
      // The draft: the URL MUST contain a path component (a bare origin names no document).
      if (new URL(clientId).pathname === '/') throw new ClientIdUrlRefused(CIMD_URL_WITHOUT_PATH);
      // No request context: our own login/consent pages, reached only after a counted lookup at /authorize.
      if (!ctx) return true;
      const wait = fetches.take(clientAddress(ctx.req));
      if (wait > 0) {
        ctx.set(rateLimitHeaders(fetches, wait, now()));
        throw new TooManyRequests(CIMD_TOO_MANY_FETCHES);
      }
      return true;
    },
    cacheDuration: { min: 0, max: 3600 },
  };
}

export const CIMD_TOO_MANY_FETCHES = 'Too many client metadata document fetches from this address; try again later.';
export const CIMD_URL_WITHOUT_PATH = 'client_id URL must have a path component';

/** An https client_id that names no document we may fetch. */
class ClientIdUrlRefused extends errors.InvalidClient {}

/** A client identified by a metadata document: its id is an https URL (configured and registered clients never are). */
export const isMetadataDocumentClientId = (clientId: unknown): clientId is string => typeof clientId === 'string' && /^https:\/\//i.test(clientId);

/** Fixed descriptions of fetch refusals, as clients and the person at the browser see them. */
export const CIMD_FETCH_REFUSALS: Record<CimdFetchRefusal, string> = {
  not_https: 'client_id metadata document must be fetched over https',
  special_use_address: 'client_id metadata document host is a loopback, private, link-local or other special-use address',
  timeout: 'client_id metadata document was not received in time',
  too_large: `client_id metadata document is larger than ${CIMD_MAX_BYTES} bytes`,
  redirect: 'client_id metadata document answered with a redirect, which is not followed',
  unexpected_status: 'client_id metadata document answered with a status other than 200',
  not_json: 'client_id metadata document is not served as application/json',
  unreachable: 'client_id metadata document could not be fetched',
};

/** Only `none`: private_key_jwt would need a second fetch (the client's jwks_uri). */
export const CIMD_AUTH_METHOD_REFUSAL = 'token_endpoint_auth_method of a client_id metadata document must be none';

export interface OAuthErrorBody {
  readonly error: string;
  readonly error_description: string;
}

/**
 * What to answer when resolving a metadata-document client failed, at /authorize and every endpoint
 * that looks a client up: 400 `invalid_client` with a fixed description that says why. oidc-provider
 * wraps our fetch refusals as "client_id metadata document fetch failed" (the cause says which), and
 * reports refused metadata as InvalidClientMetadata (`invalid_client_metadata` / `invalid_redirect_uri`),
 * registration codes that mean "the client is not valid" here. Undefined for errors that are not about such a client.
 */
export function metadataDocumentClientError(err: unknown, clientId: unknown): OAuthErrorBody | undefined {
  if (!(err instanceof errors.OIDCProviderError)) return undefined;
  if (err instanceof ClientIdUrlRefused) return { error: 'invalid_client', error_description: String(err.error_description) };
  const cause = (err as Error).cause;
  if (cause instanceof CimdFetchRefused) return { error: 'invalid_client', error_description: CIMD_FETCH_REFUSALS[cause.reason] };
  if (isMetadataDocumentClientId(clientId) && err instanceof errors.InvalidClientMetadata) {
    return { error: 'invalid_client', error_description: String((err as { error_description?: unknown }).error_description ?? 'client_id metadata document is not valid') };
  }
  return undefined;
}

type ExtraClientMetadata = NonNullable<Configuration['extraClientMetadata']>;

/** Adds the rules only metadata-document clients have (today: public clients only) to the client metadata validation. */
export function withMetadataDocumentRules(inner: ExtraClientMetadata): ExtraClientMetadata {
  const property = 'gatehouse_cimd_policy';
  return {
    ...inner,
    properties: [...(inner.properties ?? []), property],
    validator(ctx, key, value, metadata) {
      if (key !== property) return inner.validator?.(ctx, key, value, metadata);
      const m = metadata as { client_id?: unknown; token_endpoint_auth_method?: unknown; gatehouse_cimd_policy?: unknown };
      delete m.gatehouse_cimd_policy;
      if (isMetadataDocumentClientId(m.client_id) && m.token_endpoint_auth_method !== 'none') throw new errors.InvalidClientMetadata(CIMD_AUTH_METHOD_REFUSAL);
    },
  };
}

/** Endpoints that look a client up by its id. */
const CLIENT_LOOKUP_ERRORS = ['authorization.error', 'grant.error', 'pushed_authorization_request.error', 'backchannel_authentication.error', 'revocation.error', 'introspection.error'] as const;

/**
 * Puts metadataDocumentClientError's answer into JSON error responses (the HTML error page does the
 * same in render-error.ts). oidc-provider emits these events right after it set the error body.
 */
export function answerMetadataDocumentErrors(provider: Provider): void {
  for (const event of CLIENT_LOOKUP_ERRORS) {
    (provider as unknown as NodeJS.EventEmitter).on(event, (ctx: { status: number; body: unknown; oidc?: { params?: { client_id?: unknown } } }, err: unknown) => {
      const answer = metadataDocumentClientError(err, ctx.oidc?.params?.client_id);
      if (!answer || typeof ctx.body !== 'object' || ctx.body === null) return;
      ctx.status = 400;
      ctx.body = answer;
    });
  }
}
