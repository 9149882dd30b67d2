import { z } from 'zod';
import { resolve } from 'node:path';
import { ALL_SCOPES } from './identity/scopes.js';
import type { UpstreamsSettings } from './resilience/upstream.js';

/**
 * The one configuration schema. It is parsed once, at start-up, from the environment (and CLI flags
 * mapped onto the same names); nothing else in the project reads process.env.
 *
 * Every concern resolves to either a production backend (Auth0, OpenFGA / Auth0 FGA) or the embedded
 * stand-in on loopback. The core never branches on the mode: app.ts picks URLs from this result.
 */

const port = z.coerce.number({ error: 'must be a port number (0-65535)' }).int('must be a port number (0-65535)').min(0, 'must be a port number (0-65535)').max(65535, 'must be a port number (0-65535)');
const httpUrl = z.url({ protocol: /^https?$/ });
const list = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));
/** A preshared key of the embedded FGA API (GATEHOUSE_FGA_API_KEY, `gatehouse fga serve --api-key`): header-safe, long enough to resist guessing. */
export const FGA_API_KEY_SHAPE = { pattern: /^[A-Za-z0-9._~+/=-]{16,512}$/, message: 'each key must be 16-512 characters of A-Z a-z 0-9 . _ ~ + / = -' } as const;
const deadline = z.coerce.number().int('must be whole milliseconds').min(50, 'must be at least 50 ms').max(120_000, 'must be at most 120000 ms');
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const EnvSchema = z
  .object({
    GATEHOUSE_HOST: z.string().min(1).default('127.0.0.1'),
    GATEHOUSE_PORT: port.default(8787),
    /** Public base URL when behind a proxy; the MCP URL is `${GATEHOUSE_PUBLIC_URL}/mcp`. */
    GATEHOUSE_PUBLIC_URL: httpUrl.optional(),
    GATEHOUSE_DATA_DIR: z.string().min(1).default('.data'),
    GATEHOUSE_ALLOWED_HOSTS: list.optional(),
    GATEHOUSE_ALLOWED_ORIGINS: list.optional(),
    GATEHOUSE_BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i).default('1mb'),
    GATEHOUSE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Test-only: serve MCP without authentication. Refuses any non-loopback host. */
    GATEHOUSE_INSECURE_NO_AUTH: bool.default(false),
    GATEHOUSE_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
    /** On SIGTERM/SIGINT, how long calls in flight may still finish before they are cut (audited as `shutdown`). */
    GATEHOUSE_DRAIN_SECONDS: z.coerce.number().int().min(0).max(600).default(20),

    GATEHOUSE_AUTH_PORT: port.default(8788),
    GATEHOUSE_FGA_PORT: port.default(8789),
    GATEHOUSE_PROVIDERS_PORT: port.default(8790),
    /** Preshared key(s) of the embedded FGA API, comma-separated (the first is the one Gatehouse sends); default: generated into the data dir. */
    GATEHOUSE_FGA_API_KEY: list.pipe(
      z
        .array(z.string().regex(FGA_API_KEY_SHAPE.pattern, FGA_API_KEY_SHAPE.message))
        .min(1, 'give at least one key'),
    ).optional(),

    AUTH0_DOMAIN: z
      .string()
      .regex(/^[a-z0-9.-]+(:\d+)?$/i, 'AUTH0_DOMAIN must be a host name such as tenant.us.auth0.com (no scheme, no path)')
      .optional(),
    AUTH0_AUDIENCE: httpUrl.optional(),
    /** Any OpenID Connect issuer to trust instead of the embedded authorization server (another Gatehouse's, Keycloak, ...); exclusive with AUTH0_DOMAIN. */
    GATEHOUSE_ISSUER_URL: httpUrl.optional(),
    /** The audience (aud) Gatehouse accepts in access tokens from GATEHOUSE_ISSUER_URL or AUTH0_DOMAIN; default the MCP URL. */
    GATEHOUSE_AUDIENCE: httpUrl.optional(),
    AUTH0_CLIENT_ID: z.string().min(1).optional(),
    AUTH0_CLIENT_SECRET: z.string().min(1).optional(),
    /** The Custom API Client of the MCP API: the only client Auth0 lets exchange an access token at the Token Vault. */
    AUTH0_CUSTOM_API_CLIENT_ID: z.string().min(1).optional(),
    AUTH0_CUSTOM_API_CLIENT_SECRET: z.string().min(1).optional(),
    /** Access-token profile of the embedded authorization server: auth0 (typ JWT, Auth0's default) or rfc9068 (typ at+jwt). */
    GATEHOUSE_EMBEDDED_TOKEN_PROFILE: z.enum(['auth0', 'rfc9068']).default('auth0'),
    /** Scopes the embedded authorization server may grant to dynamically registered (third-party) clients; default all tool scopes. */
    GATEHOUSE_THIRD_PARTY_SCOPES: list.optional(),
    /** Test-only: the embedded authorization server may fetch client metadata documents from loopback/private addresses. Loopback hosts only. */
    GATEHOUSE_EMBEDDED_CIMD_ALLOW_PRIVATE: bool.default(false),
    /** Test-only: a PEM file of CA certificates trusted (besides Node's) when fetching client metadata documents. Loopback hosts only. */
    GATEHOUSE_EMBEDDED_CIMD_CA_FILE: z.string().min(1).optional(),

    FGA_API_URL: httpUrl.optional(),
    FGA_STORE_ID: z.string().min(1).optional(),
    FGA_MODEL_ID: z.string().min(1).optional(),
    FGA_CLIENT_ID: z.string().min(1).optional(),
    FGA_CLIENT_SECRET: z.string().min(1).optional(),
    FGA_API_TOKEN_ISSUER: z.string().min(1).optional(),
    FGA_API_AUDIENCE: z.string().min(1).optional(),
    /** A preshared key of a remote OpenFGA (`--authn-method preshared`), sent as `Authorization: Bearer`. */
    FGA_API_TOKEN: z.string().regex(/^[\x21-\x7e]+$/, 'FGA_API_TOKEN must be printable ASCII without spaces').optional(),

    /** 32 random bytes, base64url: encrypts provider refresh tokens at rest in the embedded vault. */
    GATEHOUSE_VAULT_KEY: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'GATEHOUSE_VAULT_KEY must be 32 random bytes in base64url (43 characters)').optional(),
    /** postgres://… (or postgresql://): all of Gatehouse's state in PostgreSQL, migrated on start; absent: SQLite in the data dir. Never logged (it may hold a password). */
    GATEHOUSE_DATABASE_URL: z.string().min(1).optional(),
    /** Most connections each instance opens to PostgreSQL. */
    GATEHOUSE_DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    /** 32 random bytes, base64url: seals the secrets Gatehouse keeps in PostgreSQL (vault and requestState keys); default generated once into `<data>/keys/store-sealing.key`. Give every instance the same. */
    GATEHOUSE_SEALING_KEY: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'GATEHOUSE_SEALING_KEY must be 32 random bytes in base64url (43 characters)').optional(),
    /** 32 random bytes, base64url: seals MCP requestStates; default generated once into the data dir (instances sharing either accept each other's states). */
    GATEHOUSE_REQUEST_STATE_KEY: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'GATEHOUSE_REQUEST_STATE_KEY must be 32 random bytes in base64url (43 characters)').optional(),
    /** Base URL of the Google APIs the calendar/mail tools call (default: the embedded demo provider, or Google in production). */
    GATEHOUSE_GOOGLE_API_URL: httpUrl.optional(),
    /** How long a tool call waits for a human approval before answering "pending". */
    GATEHOUSE_APPROVAL_WAIT_SECONDS: z.coerce.number().int().min(0).max(300).default(25),
    /** Purchases above this amount need approval; in USD it is also each user's purchase budget per 24 h. */
    GATEHOUSE_PURCHASE_APPROVAL_THRESHOLD: z.coerce.number().min(0).default(500),
    /** requested_expiry of approval requests: how long the person has to answer (Auth0 allows 1..300). */
    GATEHOUSE_APPROVAL_EXPIRY_SECONDS: z.coerce.number().int().min(1).max(300).default(300),
    /** CIBA polling interval the embedded authorization server advertises. */
    GATEHOUSE_CIBA_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(60).default(2),

    /** The Ed25519 private key (PKCS#8 PEM file) that signs audit checkpoints; default `<data>/keys/audit-checkpoint.key`, generated on first start. */
    GATEHOUSE_AUDIT_SIGNING_KEY_FILE: z.string().min(1).optional(),
    /** A signed checkpoint every this many audit entries. */
    GATEHOUSE_AUDIT_CHECKPOINT_EVERY: z.coerce.number().int().min(1).max(1_000_000).default(1000),
    /** And every this many seconds when entries were added (0: only by count and at shutdown). */
    GATEHOUSE_AUDIT_CHECKPOINT_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
    /** Keep audit entries this many days (pruned up to a signed checkpoint); unset: keep forever. */
    GATEHOUSE_AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).optional(),
    /** Deadline of one FGA request (check, batch check, list objects, write), ms. */
    GATEHOUSE_FGA_DEADLINE_MS: deadline.default(2000),
    /** Deadline of one Token Vault exchange or My Account API request (discovery included), ms. */
    GATEHOUSE_VAULT_DEADLINE_MS: deadline.default(5000),
    /** Deadline of one CIBA request (bc-authorize, one token poll), ms. */
    GATEHOUSE_CIBA_DEADLINE_MS: deadline.default(5000),
    /** Deadline of one provider API request (e.g. Google), ms. */
    GATEHOUSE_PROVIDER_DEADLINE_MS: deadline.default(10_000),
    /** Calls that may wait on one upstream at once; more are refused at once (`overloaded`). */
    GATEHOUSE_UPSTREAM_MAX_CONCURRENT: z.coerce.number().int().min(1).max(10_000).default(64),
    /** Consecutive failures or timeouts of one upstream that open its circuit (`circuit_open`). */
    GATEHOUSE_BREAKER_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
    /** How long an open circuit refuses calls before one probe call may close it, ms. */
    GATEHOUSE_BREAKER_HALF_OPEN_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
    /** Bearer key for /metrics from any address; unset: /metrics answers loopback clients only. */
    GATEHOUSE_METRICS_TOKEN: z.string().regex(/^[A-Za-z0-9._~+/=-]{32,512}$/, 'GATEHOUSE_METRICS_TOKEN must be 32-512 characters of A-Z a-z 0-9 . _ ~ + / = -').optional(),
  })
  .strict();

export type Env = z.input<typeof EnvSchema>;

export interface Config {
  readonly server: {
    readonly host: string;
    readonly port: number;
    readonly publicUrl?: string;
    readonly allowedHosts: readonly string[];
    readonly allowedOrigins: readonly string[];
    readonly bodyLimit: string;
    readonly insecureNoAuth: boolean;
    readonly clockSkewSeconds: number;
    /** GATEHOUSE_DRAIN_SECONDS: the drain time of a graceful shutdown. */
    readonly drainSeconds: number;
  };
  readonly dataDir: string;
  /** Where Gatehouse's state lives: SQLite in the data dir (default), or PostgreSQL (GATEHOUSE_DATABASE_URL). */
  readonly store: { readonly kind: 'sqlite' } | { readonly kind: 'postgres'; readonly url: string; readonly poolSize: number; readonly sealingKey?: string };
  readonly logLevel: z.infer<typeof EnvSchema>['GATEHOUSE_LOG_LEVEL'];
  readonly auth:
    | {
        /** auth0: AUTH0_DOMAIN; oidc: GATEHOUSE_ISSUER_URL (any OpenID Connect issuer). */
        readonly mode: 'auth0' | 'oidc';
        readonly issuer: string;
        readonly audience?: string;
        readonly clientId?: string;
        readonly clientSecret?: string;
        readonly customApiClient?: { readonly clientId: string; readonly clientSecret: string };
      }
    | {
        readonly mode: 'embedded';
        readonly port: number;
        readonly tokenProfile: 'auth0' | 'rfc9068';
        readonly thirdPartyScopes?: readonly string[];
        /** Test-only relaxations of the client metadata document fetch (absent: production rules). */
        readonly clientIdMetadataDocuments?: { readonly allowPrivateAddresses: boolean; readonly caFile?: string };
      };
  readonly fga:
    | {
        readonly mode: 'remote';
        readonly apiUrl: string;
        readonly storeId: string;
        readonly modelId?: string;
        readonly credentials?: { clientId: string; clientSecret: string; apiTokenIssuer: string; apiAudience: string };
        /** Preshared key (FGA_API_TOKEN); exclusive with `credentials`. */
        readonly apiToken?: string;
      }
    | {
        readonly mode: 'embedded';
        readonly port: number;
        /** Configured preshared keys (GATEHOUSE_FGA_API_KEY); absent: a key generated into the data dir. */
        readonly apiKeys?: readonly string[];
      };
  readonly providers: { readonly port: number };
  readonly vault: { readonly encryptionKey?: string; readonly googleApiUrl?: string };
  /** The key that seals MCP requestStates (GATEHOUSE_REQUEST_STATE_KEY); absent: `<data>/keys/request-state.key`. */
  readonly requestState: { readonly key?: string };
  readonly approvals: { readonly waitSeconds: number; readonly expirySeconds: number; readonly purchaseThreshold: number; readonly cibaIntervalSeconds: number };
  readonly audit: {
    /** The checkpoint signing key's file; absent: `<data>/keys/audit-checkpoint.key`, generated on first start. */
    readonly signingKeyFile?: string;
    readonly checkpointEvery: number;
    readonly checkpointSeconds: number;
    /** Absent: keep entries forever. */
    readonly retentionDays?: number;
  };
  /** Deadline, bulkhead and circuit breaker of each upstream (src/resilience/upstream.ts). */
  readonly upstreams: UpstreamsSettings;
  /** Who may read /metrics: holders of this bearer key; without one, loopback clients only. */
  readonly metrics: { readonly token?: string };
  /** OpenTelemetry tracing (OTEL_* variables); absent: off. */
  readonly tracing?: TracingSettings;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n  - ${issues.join('\n  - ')}`);
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Only variables with these prefixes are ours; an unknown one is a typo and fails start-up. */
const OWN_PREFIXES = ['GATEHOUSE_', 'AUTH0_', 'FGA_'];

export function loadConfig(env: Record<string, string | undefined>): Config {
  const own: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && v !== '' && OWN_PREFIXES.some((p) => k.startsWith(p))) own[k] = v;
  }
  const parsed = EnvSchema.safeParse(own);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        if (i.code === 'unrecognized_keys') return `unknown variable(s) ${i.keys.join(', ')}: check the spelling (see README, Configuration)`;
        const name = i.path.join('.');
        return `${name}: ${i.message}`;
      }),
    );
  }
  const e = parsed.data;
  const issues: string[] = [];

  if (e.GATEHOUSE_INSECURE_NO_AUTH && !LOOPBACK.has(e.GATEHOUSE_HOST)) {
    issues.push('GATEHOUSE_INSECURE_NO_AUTH: only allowed when GATEHOUSE_HOST is a loopback address (127.0.0.1, localhost, ::1)');
  }
  for (const [name, set] of [['GATEHOUSE_EMBEDDED_CIMD_ALLOW_PRIVATE', e.GATEHOUSE_EMBEDDED_CIMD_ALLOW_PRIVATE], ['GATEHOUSE_EMBEDDED_CIMD_CA_FILE', Boolean(e.GATEHOUSE_EMBEDDED_CIMD_CA_FILE)]] as const) {
    if (!set) continue;
    if (!LOOPBACK.has(e.GATEHOUSE_HOST)) issues.push(`${name}: test only; allowed only when GATEHOUSE_HOST is a loopback address (127.0.0.1, localhost, ::1)`);
    if (e.AUTH0_DOMAIN) issues.push(`${name}: only for the embedded authorization server; with AUTH0_DOMAIN set, Auth0 fetches client metadata documents`);
    if (e.GATEHOUSE_ISSUER_URL) issues.push(`${name}: only for the embedded authorization server; with GATEHOUSE_ISSUER_URL set, that issuer fetches client metadata documents`);
  }
  const remoteIssuer = e.AUTH0_DOMAIN ? 'AUTH0_DOMAIN' : e.GATEHOUSE_ISSUER_URL ? 'GATEHOUSE_ISSUER_URL' : undefined;
  if (e.GATEHOUSE_ISSUER_URL && e.AUTH0_DOMAIN) {
    issues.push('GATEHOUSE_ISSUER_URL / AUTH0_DOMAIN: set one or the other (AUTH0_DOMAIN is the issuer https://<AUTH0_DOMAIN>/)');
  }
  if (e.GATEHOUSE_ISSUER_URL) issues.push(...issuerUrlIssues(e.GATEHOUSE_ISSUER_URL));
  if (e.AUTH0_AUDIENCE && !e.AUTH0_DOMAIN) issues.push('AUTH0_AUDIENCE: set AUTH0_DOMAIN too (the audience belongs to an Auth0 tenant)');
  if (e.AUTH0_AUDIENCE && e.GATEHOUSE_AUDIENCE) issues.push('GATEHOUSE_AUDIENCE / AUTH0_AUDIENCE: set one or the other (AUTH0_AUDIENCE is the older name of GATEHOUSE_AUDIENCE)');
  if (e.GATEHOUSE_AUDIENCE && !remoteIssuer) {
    issues.push('GATEHOUSE_AUDIENCE: set GATEHOUSE_ISSUER_URL or AUTH0_DOMAIN too (the embedded authorization server issues tokens for the MCP URL)');
  }
  if (Boolean(e.AUTH0_CLIENT_ID) !== Boolean(e.AUTH0_CLIENT_SECRET)) {
    issues.push('AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET: set both or neither');
  }
  if ((e.AUTH0_CLIENT_ID || e.AUTH0_CLIENT_SECRET) && !remoteIssuer) {
    issues.push('AUTH0_CLIENT_ID: set AUTH0_DOMAIN or GATEHOUSE_ISSUER_URL too');
  }
  if (Boolean(e.AUTH0_CUSTOM_API_CLIENT_ID) !== Boolean(e.AUTH0_CUSTOM_API_CLIENT_SECRET)) {
    issues.push('AUTH0_CUSTOM_API_CLIENT_ID / AUTH0_CUSTOM_API_CLIENT_SECRET: set both or neither');
  }
  if ((e.AUTH0_CUSTOM_API_CLIENT_ID || e.AUTH0_CUSTOM_API_CLIENT_SECRET) && !remoteIssuer) {
    issues.push('AUTH0_CUSTOM_API_CLIENT_ID: set AUTH0_DOMAIN or GATEHOUSE_ISSUER_URL too');
  }
  const unknownScopes = (e.GATEHOUSE_THIRD_PARTY_SCOPES ?? []).filter((s) => !(ALL_SCOPES as string[]).includes(s));
  if (unknownScopes.length) issues.push(`GATEHOUSE_THIRD_PARTY_SCOPES: unknown scope(s) ${unknownScopes.join(', ')} (known: ${ALL_SCOPES.join(', ')})`);
  if (e.FGA_API_URL && !e.FGA_STORE_ID) issues.push('FGA_STORE_ID: required when FGA_API_URL is set');
  if (!e.FGA_API_URL && (e.FGA_STORE_ID || e.FGA_MODEL_ID || e.FGA_API_TOKEN)) issues.push('FGA_API_URL: required when FGA_STORE_ID, FGA_MODEL_ID or FGA_API_TOKEN is set');
  if (e.FGA_API_URL && e.GATEHOUSE_FGA_API_KEY) {
    issues.push('GATEHOUSE_FGA_API_KEY: only for the embedded FGA API; with FGA_API_URL set, give the remote OpenFGA\'s preshared key as FGA_API_TOKEN');
  }
  const fgaCreds = [e.FGA_CLIENT_ID, e.FGA_CLIENT_SECRET, e.FGA_API_TOKEN_ISSUER, e.FGA_API_AUDIENCE];
  if (fgaCreds.some(Boolean) && !fgaCreds.every(Boolean)) {
    issues.push('FGA_CLIENT_ID, FGA_CLIENT_SECRET, FGA_API_TOKEN_ISSUER, FGA_API_AUDIENCE: set all four (Auth0 FGA client credentials) or none');
  }
  if (e.FGA_API_TOKEN && fgaCreds.some(Boolean)) {
    issues.push('FGA_API_TOKEN: a preshared key excludes client credentials; set either FGA_API_TOKEN or FGA_CLIENT_ID, FGA_CLIENT_SECRET, FGA_API_TOKEN_ISSUER, FGA_API_AUDIENCE');
  }
  if (e.GATEHOUSE_PUBLIC_URL && new URL(e.GATEHOUSE_PUBLIC_URL).pathname !== '/') {
    issues.push('GATEHOUSE_PUBLIC_URL: give the origin only (the MCP endpoint is always /mcp)');
  }
  if (e.GATEHOUSE_DATABASE_URL !== undefined) issues.push(...databaseUrlIssues(e.GATEHOUSE_DATABASE_URL));
  else if (e.GATEHOUSE_SEALING_KEY) issues.push('GATEHOUSE_SEALING_KEY: only used with GATEHOUSE_DATABASE_URL (with SQLite, secrets are key files in the data dir)');
  else if (env.GATEHOUSE_DATABASE_POOL_SIZE !== undefined) issues.push('GATEHOUSE_DATABASE_POOL_SIZE: only used with GATEHOUSE_DATABASE_URL');
  const tracing = tracingSettings(env, issues);
  if (issues.length) throw new ConfigError(issues);

  const publicUrl = e.GATEHOUSE_PUBLIC_URL?.replace(/\/$/, '');
  return {
    server: {
      host: e.GATEHOUSE_HOST,
      port: e.GATEHOUSE_PORT,
      publicUrl,
      allowedHosts: e.GATEHOUSE_ALLOWED_HOSTS ?? [],
      allowedOrigins: e.GATEHOUSE_ALLOWED_ORIGINS ?? [],
      bodyLimit: e.GATEHOUSE_BODY_LIMIT,
      insecureNoAuth: e.GATEHOUSE_INSECURE_NO_AUTH,
      clockSkewSeconds: e.GATEHOUSE_CLOCK_SKEW_SECONDS,
      drainSeconds: e.GATEHOUSE_DRAIN_SECONDS,
    },
    dataDir: resolve(e.GATEHOUSE_DATA_DIR),
    store: e.GATEHOUSE_DATABASE_URL
      ? { kind: 'postgres', url: e.GATEHOUSE_DATABASE_URL, poolSize: e.GATEHOUSE_DATABASE_POOL_SIZE, ...(e.GATEHOUSE_SEALING_KEY ? { sealingKey: e.GATEHOUSE_SEALING_KEY } : {}) }
      : { kind: 'sqlite' },
    logLevel: e.GATEHOUSE_LOG_LEVEL,
    auth: remoteIssuer
      ? {
          mode: e.AUTH0_DOMAIN ? 'auth0' : 'oidc',
          issuer: e.AUTH0_DOMAIN ? `https://${e.AUTH0_DOMAIN}/` : e.GATEHOUSE_ISSUER_URL!,
          audience: e.GATEHOUSE_AUDIENCE ?? e.AUTH0_AUDIENCE,
          clientId: e.AUTH0_CLIENT_ID,
          clientSecret: e.AUTH0_CLIENT_SECRET,
          customApiClient:
            e.AUTH0_CUSTOM_API_CLIENT_ID && e.AUTH0_CUSTOM_API_CLIENT_SECRET
              ? { clientId: e.AUTH0_CUSTOM_API_CLIENT_ID, clientSecret: e.AUTH0_CUSTOM_API_CLIENT_SECRET }
              : undefined,
        }
      : {
          mode: 'embedded',
          port: e.GATEHOUSE_AUTH_PORT,
          tokenProfile: e.GATEHOUSE_EMBEDDED_TOKEN_PROFILE,
          thirdPartyScopes: e.GATEHOUSE_THIRD_PARTY_SCOPES,
          ...(e.GATEHOUSE_EMBEDDED_CIMD_ALLOW_PRIVATE || e.GATEHOUSE_EMBEDDED_CIMD_CA_FILE
            ? { clientIdMetadataDocuments: { allowPrivateAddresses: e.GATEHOUSE_EMBEDDED_CIMD_ALLOW_PRIVATE, caFile: e.GATEHOUSE_EMBEDDED_CIMD_CA_FILE && resolve(e.GATEHOUSE_EMBEDDED_CIMD_CA_FILE) } }
            : {}),
        },
    fga: e.FGA_API_URL
      ? {
          mode: 'remote',
          apiUrl: e.FGA_API_URL.replace(/\/$/, ''),
          storeId: e.FGA_STORE_ID!,
          modelId: e.FGA_MODEL_ID,
          credentials: e.FGA_CLIENT_ID
            ? {
                clientId: e.FGA_CLIENT_ID,
                clientSecret: e.FGA_CLIENT_SECRET!,
                apiTokenIssuer: e.FGA_API_TOKEN_ISSUER!,
                apiAudience: e.FGA_API_AUDIENCE!,
              }
            : undefined,
          apiToken: e.FGA_API_TOKEN,
        }
      : { mode: 'embedded', port: e.GATEHOUSE_FGA_PORT, apiKeys: e.GATEHOUSE_FGA_API_KEY },
    providers: { port: e.GATEHOUSE_PROVIDERS_PORT },
    vault: { encryptionKey: e.GATEHOUSE_VAULT_KEY, googleApiUrl: e.GATEHOUSE_GOOGLE_API_URL?.replace(/\/$/, '') },
    requestState: { key: e.GATEHOUSE_REQUEST_STATE_KEY },
    approvals: {
      waitSeconds: e.GATEHOUSE_APPROVAL_WAIT_SECONDS,
      expirySeconds: e.GATEHOUSE_APPROVAL_EXPIRY_SECONDS,
      purchaseThreshold: e.GATEHOUSE_PURCHASE_APPROVAL_THRESHOLD,
      cibaIntervalSeconds: e.GATEHOUSE_CIBA_INTERVAL_SECONDS,
    },
    audit: {
      signingKeyFile: e.GATEHOUSE_AUDIT_SIGNING_KEY_FILE === undefined ? undefined : resolve(e.GATEHOUSE_AUDIT_SIGNING_KEY_FILE),
      checkpointEvery: e.GATEHOUSE_AUDIT_CHECKPOINT_EVERY,
      checkpointSeconds: e.GATEHOUSE_AUDIT_CHECKPOINT_SECONDS,
      retentionDays: e.GATEHOUSE_AUDIT_RETENTION_DAYS,
    },
    upstreams: upstreamSettings(e),
    metrics: { token: e.GATEHOUSE_METRICS_TOKEN },
    ...(tracing ? { tracing } : {}),
  };
}

/**
 * GATEHOUSE_ISSUER_URL names an issuer exactly as it names itself (discovery is checked against it):
 * https, or plain http to a loopback host only (a development issuer on this machine); no query or fragment.
 */
function issuerUrlIssues(value: string): string[] {
  const url = new URL(value);
  const out: string[] = [];
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname.replace(/^\[(.*)\]$/, '$1'))) {
    out.push('GATEHOUSE_ISSUER_URL: must use https (plain http only to a loopback host: 127.0.0.1, localhost, ::1)');
  }
  if (url.search || url.hash || url.username || url.password) out.push('GATEHOUSE_ISSUER_URL: give the issuer identifier only (no query, fragment or credentials)');
  return out;
}

/**
 * GATEHOUSE_DATABASE_URL is a PostgreSQL connection URL. Its messages never repeat the value: it may
 * carry a password.
 */
function databaseUrlIssues(value: string): string[] {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return ['GATEHOUSE_DATABASE_URL: must be a postgres://user:password@host:port/database URL'];
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return ['GATEHOUSE_DATABASE_URL: must be a postgres:// (or postgresql://) URL'];
  if (!url.hostname && !url.searchParams.get('host')) return ['GATEHOUSE_DATABASE_URL: name the server (postgres://host/database, or ?host=/socket/dir)'];
  return [];
}

/** OpenTelemetry tracing, from the standard OTEL_* variables; absent: tracing is off and no SDK is loaded. */
export interface TracingSettings {
  /** The OTLP/HTTP (JSON) traces URL. */
  readonly url: string;
  /** Extra export headers (e.g. a collector's key): never logged. */
  readonly headers: Readonly<Record<string, string>>;
  readonly serviceName: string;
}

/**
 * The standard OpenTelemetry variables Gatehouse honours (they are not ours, so the unknown-variable
 * check never sees them): tracing is on when OTEL_TRACES_EXPORTER is `otlp` or an OTLP endpoint is
 * set, unless OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none. The exporter speaks OTLP/HTTP with
 * JSON bodies; any other protocol or exporter is refused rather than silently ignored.
 */
function tracingSettings(env: Record<string, string | undefined>, issues: string[]): TracingSettings | undefined {
  const v = (name: string) => (env[name] === undefined || env[name]!.trim() === '' ? undefined : env[name]!.trim());
  const disabled = v('OTEL_SDK_DISABLED');
  if (disabled !== undefined && !['true', 'false'].includes(disabled.toLowerCase())) issues.push('OTEL_SDK_DISABLED: must be true or false');
  const exporter = v('OTEL_TRACES_EXPORTER')?.toLowerCase();
  if (exporter !== undefined && exporter !== 'otlp' && exporter !== 'none') issues.push('OTEL_TRACES_EXPORTER: only otlp (OTLP/HTTP) or none are supported');
  const tracesEndpoint = v('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const endpoint = v('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (disabled?.toLowerCase() === 'true' || exporter === 'none') return undefined;
  if (exporter === undefined && tracesEndpoint === undefined && endpoint === undefined) return undefined;

  for (const name of ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL']) {
    const protocol = v(name);
    if (protocol !== undefined && protocol !== 'http/json') issues.push(`${name}: only http/json is supported (the OTLP/HTTP JSON exporter)`);
    if (protocol !== undefined) break;
  }
  const url = tracesEndpoint ?? (endpoint ? `${endpoint.replace(/\/+$/, '')}/v1/traces` : 'http://localhost:4318/v1/traces');
  const urlVariable = tracesEndpoint ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT';
  if (!httpUrl.safeParse(url).success) issues.push(`${urlVariable}: must be an http(s) URL`);
  const headers: Record<string, string> = {};
  for (const name of ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS']) {
    for (const pair of (v(name) ?? '').split(',').filter((p) => p.trim())) {
      const at = pair.indexOf('=');
      const key = at > 0 ? pair.slice(0, at).trim() : '';
      if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(key)) {
        issues.push(`${name}: give comma-separated key=value pairs (W3C Baggage format)`);
        break;
      }
      try {
        headers[key.toLowerCase()] = decodeURIComponent(pair.slice(at + 1).trim());
      } catch {
        issues.push(`${name}: the value of ${key} is not valid percent-encoding`);
      }
    }
  }
  return { url, headers, serviceName: v('OTEL_SERVICE_NAME') ?? 'gatehouse' };
}

function upstreamSettings(e: z.infer<typeof EnvSchema>): UpstreamsSettings {
  const shared = { maxConcurrent: e.GATEHOUSE_UPSTREAM_MAX_CONCURRENT, breakerFailures: e.GATEHOUSE_BREAKER_FAILURES, breakerHalfOpenMs: e.GATEHOUSE_BREAKER_HALF_OPEN_MS };
  return {
    fga: { deadlineMs: e.GATEHOUSE_FGA_DEADLINE_MS, ...shared },
    vault: { deadlineMs: e.GATEHOUSE_VAULT_DEADLINE_MS, ...shared },
    ciba: { deadlineMs: e.GATEHOUSE_CIBA_DEADLINE_MS, ...shared },
    provider: { deadlineMs: e.GATEHOUSE_PROVIDER_DEADLINE_MS, ...shared },
  };
}
