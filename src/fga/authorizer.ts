/**
 * The Authorizer: Gatehouse's only way to ask FGA "may this user do this?", over @openfga/sdk, against
 * OpenFGA, Auth0 FGA or the embedded engine alike. It fails closed: an unreachable or erroring FGA
 * throws AuthorizationUnavailableError (original error as `cause`) and never yields `true`; a request
 * FGA rejects as malformed (HTTP 400) throws InvalidRequestError instead.
 */
import {
  CredentialsMethod,
  FgaApiValidationError,
  OpenFgaClient,
  ClientWriteRequestOnDuplicateWrites,
  ClientWriteRequestOnMissingDeletes,
  type UserClientConfigurationParams,
} from '@openfga/sdk';
import { AuthorizationUnavailableError, InvalidRequestError } from '../errors.js';

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
}

export const BATCH_CHECK_CHUNK = 50;
export const WRITE_CHUNK = 100;
/** OpenFGA's default ListObjects cap; a list this long may have been cut short. */
export const LIST_OBJECTS_CAP = 1000;

function translate(e: unknown): Error {
  if (e instanceof InvalidRequestError || e instanceof AuthorizationUnavailableError) return e;
  if (e instanceof FgaApiValidationError) {
    return new InvalidRequestError('The authorization service rejected the request as invalid.', { cause: e });
  }
  return new AuthorizationUnavailableError('The authorization service could not answer.', { cause: e });
}

async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw translate(e);
  }
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
    retryParams: { maxRetry: 1, minWaitInMs: 50 },
    ...(cfg.credentials
      ? { credentials: { method: CredentialsMethod.ClientCredentials, config: { ...cfg.credentials } } }
      : cfg.apiToken
        ? { credentials: { method: CredentialsMethod.ApiToken, config: { token: cfg.apiToken } } }
        : {}),
  };
  const client = new OpenFgaClient(config);

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

    batchCheck: (qs) =>
      guarded(async () => {
        const answers: boolean[] = [];
        for (const chunk of chunks(qs, BATCH_CHECK_CHUNK)) {
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
          chunk.forEach((_, i) => {
            const item = byId.get(String(i));
            if (!item) throw new Error(`batch check answer ${i} is missing`);
            if (item.error) {
              const inputError = (item.error as { input_error?: string }).input_error;
              if (inputError) throw new InvalidRequestError('The authorization service rejected a check as invalid.', { cause: item.error });
              throw new Error(`batch check item failed: ${item.error.message ?? 'unknown error'}`);
            }
            answers.push(item.allowed === true);
          });
        }
        return answers;
      }),

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

    writeTuples: (writes, deletes = []) =>
      guarded(async () => {
        const conflict = {
          onDuplicateWrites: ClientWriteRequestOnDuplicateWrites.Ignore,
          onMissingDeletes: ClientWriteRequestOnMissingDeletes.Ignore,
        };
        for (const chunk of chunks(writes, WRITE_CHUNK)) await client.write({ writes: chunk }, { conflict });
        for (const chunk of chunks(deletes, WRITE_CHUNK)) await client.write({ deletes: chunk }, { conflict });
      }),
  };
}
