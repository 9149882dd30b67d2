/**
 * The Authorizer: Gatehouse's only way to ask FGA "may this user do this?", over @openfga/sdk, against
 * OpenFGA, Auth0 FGA or the embedded engine alike. It fails closed: an unreachable or erroring FGA
 * throws AuthorizationUnavailableError (original error as `cause`) and never yields `true`; a request
 * FGA rejects as malformed (HTTP 400) throws InvalidRequestError instead.
 *
 * Every request runs under the FGA upstream policy (src/resilience/upstream.ts): a deadline (default
 * 2 s) that also aborts the HTTP request, a cap on waiting calls and a circuit breaker, so a hung FGA
 * answers `timeout`, then `circuit_open`, within the deadline. The SDK's own retries are off (a retry
 * would double the wait and hide the timeout) and its HTTP timeout is the deadline.
 */
import {
  CredentialsMethod,
  FgaApiValidationError,
  OpenFgaClient,
  ClientWriteRequestOnDuplicateWrites,
  ClientWriteRequestOnMissingDeletes,
  type UserClientConfigurationParams,
} from '@openfga/sdk';
import { AuthorizationUnavailableError, GatehouseError, InvalidRequestError } from '../errors.js';
import { createUpstream, currentUpstreamSignal, DEFAULT_UPSTREAM_SETTINGS, withUpstreamSignal, type Upstream } from '../resilience/upstream.js';

export interface TupleKey {
  user: string;
  relation: string;
  object: string;
  condition?: { name: string; context?: Record<string, unknown> };
}

export interface CheckQuery {
  user: string;
  relation: string;
  object: string;
  context?: Record<string, unknown>;
  contextualTuples?: TupleKey[];
}

export interface ListObjectsQuery {
  user: string;
  relation: string;
  type: string;
  context?: Record<string, unknown>;
  contextualTuples?: TupleKey[];
}

export interface Authorizer {
  check(q: CheckQuery): Promise<boolean>;
  /** One answer per query, in order; sent in chunks of 50 (the server's batch cap). */
  batchCheck(qs: CheckQuery[]): Promise<boolean[]>;
  /** `complete` is false when the list reached the server's cap (so callers must post-filter instead). */
  listObjects(q: ListObjectsQuery): Promise<{ objects: string[]; complete: boolean }>;
  /** Chunked by 100 operations per request; idempotent (duplicates and missing deletes are ignored). */
  writeTuples(writes: TupleKey[], deletes?: TupleKey[]): Promise<void>;
  /** Every stored tuple on `object` (type:id) with `relation`, all pages (FGA's Read). */
  readTuples?(filter: { readonly object: string; readonly relation: string }): Promise<TupleKey[]>;
  /**
   * Readiness: one cheap read (a page of one tuple, which the read-and-query permission every
   * deployment needs allows), outside the circuit breaker, aborted by `signal`; throws when FGA does not answer.
   */
  probe?(signal: AbortSignal): Promise<void>;
}

export interface AuthorizerConfig {
  apiUrl: string;
  storeId: string;
  modelId?: string;
  credentials?: { clientId: string; clientSecret: string; apiTokenIssuer: string; apiAudience: string };
  /** A preshared key (OpenFGA `--authn-method preshared`, or the embedded API's key), sent as `Authorization: Bearer`. */
  apiToken?: string;
  /** The server's ListObjects cap (OPENFGA_LIST_OBJECTS_MAX_RESULTS); a list this long counts as cut short. Default 1000. */
  listObjectsCap?: number;
  /** The policy every request runs under (deadline, bulkhead, circuit breaker); default: FGA's default settings. */
  upstream?: Upstream;
}

export const BATCH_CHECK_CHUNK = 50;
export const WRITE_CHUNK = 100;
/** OpenFGA's default ListObjects cap; a list this long may have been cut short. */
export const LIST_OBJECTS_CAP = 1000;

function translate(e: unknown): Error {
  if (e instanceof GatehouseError) return e;
  if (e instanceof FgaApiValidationError) {
    return new InvalidRequestError('The authorization service rejected the request as invalid.', { cause: e });
  }
  return new AuthorizationUnavailableError('The authorization service could not answer.', { cause: e });
}

/** An answer that shows FGA is up (it refused the request as malformed) does not count against the circuit. */
const isOutage = (e: unknown) => !(e instanceof FgaApiValidationError || e instanceof InvalidRequestError);

/**
 * The SDK takes no AbortSignal per call, so its HTTP client gets the deadline two ways: a timeout equal
 * to the deadline, and the signal of the upstream call in progress (aborting closes the socket). The
 * SDK keeps that client on its API object; if a version changes the shape, construction fails loudly.
 */
function bindDeadline(client: OpenFgaClient, deadlineMs: number): void {
  const http = (client as unknown as { api?: { axios?: SdkHttp } }).api?.axios;
  if (!http?.defaults || typeof http.interceptors?.request?.use !== 'function') {
    throw new TypeError('createAuthorizer: this @openfga/sdk version does not expose its HTTP client; cannot enforce the FGA deadline');
  }
  http.defaults.timeout = deadlineMs;
  // Under a policy the signal is the deadline (the policy's, or a readiness probe's own).
  http.interceptors.request.use((req) => {
    const signal = currentUpstreamSignal();
    return signal ? { ...req, signal, timeout: 0 } : req;
  });
}
interface SdkHttp {
  defaults: { timeout?: number };
  interceptors: { request: { use(f: (req: Record<string, unknown>) => Record<string, unknown>): unknown } };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function createAuthorizer(cfg: AuthorizerConfig): Authorizer {
  if (cfg.credentials && cfg.apiToken) throw new TypeError('createAuthorizer: give either credentials (client credentials) or apiToken (preshared key), not both');
  const config: UserClientConfigurationParams = {
    apiUrl: cfg.apiUrl,
    storeId: cfg.storeId,
    authorizationModelId: cfg.modelId,
    // No SDK retries: the deadline is per call, and the circuit breaker decides when to try again.
    retryParams: { maxRetry: 0, minWaitInMs: 0 },
    ...(cfg.credentials
      ? { credentials: { method: CredentialsMethod.ClientCredentials, config: { ...cfg.credentials } } }
      : cfg.apiToken
        ? { credentials: { method: CredentialsMethod.ApiToken, config: { token: cfg.apiToken } } }
        : {}),
  };
  const client = new OpenFgaClient(config);
  const upstream = cfg.upstream ?? createUpstream('fga', 'the authorization service (FGA)', DEFAULT_UPSTREAM_SETTINGS.fga);
  bindDeadline(client, upstream.settings.deadlineMs);
  const guarded = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await upstream.run(run, { isFailure: isOutage });
    } catch (e) {
      throw translate(e);
    }
  };

  return {
    check: (q) =>
      guarded(async () => {
        const r = await client.check({
          user: q.user,
          relation: q.relation,
          object: q.object,
          context: q.context,
          contextualTuples: q.contextualTuples,
        });
        return r.allowed === true;
      }),

    async batchCheck(qs) {
      const answers: boolean[] = [];
      // One request per chunk, each under its own deadline.
      for (const chunk of chunks(qs, BATCH_CHECK_CHUNK)) {
        answers.push(
          ...(await guarded(async () => {
            const r = await client.batchCheck(
              {
                checks: chunk.map((q, i) => ({
                  user: q.user,
                  relation: q.relation,
                  object: q.object,
                  context: q.context,
                  contextualTuples: q.contextualTuples ? { tuple_keys: q.contextualTuples } : undefined,
                  correlationId: String(i),
                })),
              },
              { maxBatchSize: BATCH_CHECK_CHUNK },
            );
            const byId = new Map(r.result.map((x) => [x.correlationId, x]));
            return chunk.map((_, i) => {
              const item = byId.get(String(i));
              if (!item) throw new Error(`batch check answer ${i} is missing`);
              if (item.error) {
                const inputError = (item.error as { input_error?: string }).input_error;
                if (inputError) throw new InvalidRequestError('The authorization service rejected a check as invalid.', { cause: item.error });
                throw new Error(`batch check item failed: ${item.error.message ?? 'unknown error'}`);
              }
              return item.allowed === true;
            });
          })),
        );
      }
      return answers;
    },

    listObjects: (q) =>
      guarded(async () => {
        const r = await client.listObjects({
          user: q.user,
          relation: q.relation,
          type: q.type,
          context: q.context,
          contextualTuples: q.contextualTuples,
        });
        const objects = r.objects ?? [];
        // OpenFGA says nothing when it cuts a list at its cap, so the cap is the only signal: a list
        // that reaches it may be missing objects. Nothing server-specific (headers, extra fields) is read.
        return { objects, complete: objects.length < (cfg.listObjectsCap ?? LIST_OBJECTS_CAP) };
      }),

    async readTuples({ object, relation }) {
      const out: TupleKey[] = [];
      let continuationToken: string | undefined;
      do {
        const page = await guarded(() => client.read({ object, relation }, { pageSize: 100, continuationToken }));
        for (const t of page.tuples ?? []) out.push({ user: t.key.user, relation: t.key.relation, object: t.key.object });
        continuationToken = page.continuation_token || undefined;
      } while (continuationToken);
      return out;
    },

    async writeTuples(writes, deletes = []) {
      const conflict = {
        onDuplicateWrites: ClientWriteRequestOnDuplicateWrites.Ignore,
        onMissingDeletes: ClientWriteRequestOnMissingDeletes.Ignore,
      };
      for (const chunk of chunks(writes, WRITE_CHUNK)) await guarded(() => client.write({ writes: chunk }, { conflict }));
      for (const chunk of chunks(deletes, WRITE_CHUNK)) await guarded(() => client.write({ deletes: chunk }, { conflict }));
    },

    async probe(signal) {
      try {
        await withUpstreamSignal(signal, () => client.read({}, { pageSize: 1 }));
      } catch (e) {
        throw translate(e);
      }
    },
  };
}
