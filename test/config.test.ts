import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { DEFAULT_UPSTREAM_SETTINGS } from '../src/resilience/upstream.js';

const issues = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  return [];
};

describe('config: one schema, parsed once, errors name the variable', () => {
  it('defaults to the embedded stand-ins on loopback', () => {
    const c = loadConfig({ PATH: '/bin' });
    expect(c.server).toMatchObject({ host: '127.0.0.1', port: 8787, insecureNoAuth: false });
    expect(c.auth).toEqual({ mode: 'embedded', port: 8788, tokenProfile: 'auth0' });
    expect(c.fga).toEqual({ mode: 'embedded', port: 8789 });
    expect(c.providers).toEqual({ port: 8790 });
  });

  it('AUTH0_DOMAIN switches identity to the tenant', () => {
    const c = loadConfig({ AUTH0_DOMAIN: 'acme.us.auth0.com', AUTH0_AUDIENCE: 'https://mcp.acme.example/mcp' });
    expect(c.auth).toEqual({ mode: 'auth0', issuer: 'https://acme.us.auth0.com/', audience: 'https://mcp.acme.example/mcp', clientId: undefined, clientSecret: undefined });
  });

  it('names a malformed variable', () => {
    expect(issues({ GATEHOUSE_PORT: 'eighty' })[0]).toMatch(/^GATEHOUSE_PORT: /);
    expect(issues({ AUTH0_DOMAIN: 'https://acme.auth0.com/' })).toEqual([
      'AUTH0_DOMAIN: AUTH0_DOMAIN must be a host name such as tenant.us.auth0.com (no scheme, no path)',
    ]);
    expect(issues({ GATEHOUSE_PUBLIC_URL: 'https://mcp.example/base' })).toEqual(['GATEHOUSE_PUBLIC_URL: give the origin only (the MCP endpoint is always /mcp)']);
  });

  it('audit checkpoints and retention: defaults keep every entry and sign every 1000 entries and 300 s', () => {
    expect(loadConfig({}).audit).toEqual({ signingKeyFile: undefined, checkpointEvery: 1000, checkpointSeconds: 300, retentionDays: undefined });
    expect(loadConfig({ GATEHOUSE_AUDIT_SIGNING_KEY_FILE: '/etc/gatehouse/audit.key', GATEHOUSE_AUDIT_CHECKPOINT_EVERY: '50', GATEHOUSE_AUDIT_CHECKPOINT_SECONDS: '0', GATEHOUSE_AUDIT_RETENTION_DAYS: '90' }).audit).toEqual({
      signingKeyFile: '/etc/gatehouse/audit.key',
      checkpointEvery: 50,
      checkpointSeconds: 0,
      retentionDays: 90,
    });
    expect(issues({ GATEHOUSE_AUDIT_RETENTION_DAYS: '0' })[0]).toMatch(/^GATEHOUSE_AUDIT_RETENTION_DAYS: /);
    expect(issues({ GATEHOUSE_AUDIT_CHECKPOINT_EVERY: '0' })[0]).toMatch(/^GATEHOUSE_AUDIT_CHECKPOINT_EVERY: /);
    expect(issues({ GATEHOUSE_AUDIT_CHECKPOINT_SECONDS: 'soon' })[0]).toMatch(/^GATEHOUSE_AUDIT_CHECKPOINT_SECONDS: /);
  });

  it('GATEHOUSE_DRAIN_SECONDS: the drain time of a graceful shutdown, 20 s by default, whole seconds from 0 to 600', () => {
    expect(loadConfig({}).server.drainSeconds).toBe(20);
    expect(loadConfig({ GATEHOUSE_DRAIN_SECONDS: '0' }).server.drainSeconds).toBe(0);
    expect(loadConfig({ GATEHOUSE_DRAIN_SECONDS: '600' }).server.drainSeconds).toBe(600);
    for (const bad of ['601', '-1', '2.5', 'soon']) expect(issues({ GATEHOUSE_DRAIN_SECONDS: bad })[0]).toMatch(/^GATEHOUSE_DRAIN_SECONDS: /);
  });

  it('refuses unknown variables with our prefixes (typos)', () => {
    expect(issues({ GATEHOUSE_PROT: '1' })).toEqual(['unknown variable(s) GATEHOUSE_PROT: check the spelling (see README, Configuration)']);
  });

  it('the Custom API Client (Token Vault exchange) is a second credential pair; the embedded token profile is selectable', () => {
    const c = loadConfig({ AUTH0_DOMAIN: 'acme.us.auth0.com', AUTH0_CLIENT_ID: 'web', AUTH0_CLIENT_SECRET: 'ws', AUTH0_CUSTOM_API_CLIENT_ID: 'api', AUTH0_CUSTOM_API_CLIENT_SECRET: 'as' });
    expect(c.auth).toMatchObject({ mode: 'auth0', clientId: 'web', clientSecret: 'ws', customApiClient: { clientId: 'api', clientSecret: 'as' } });
    expect(loadConfig({ GATEHOUSE_EMBEDDED_TOKEN_PROFILE: 'rfc9068' }).auth).toEqual({ mode: 'embedded', port: 8788, tokenProfile: 'rfc9068' });
    expect(issues({ GATEHOUSE_EMBEDDED_TOKEN_PROFILE: 'jwt' })[0]).toMatch(/^GATEHOUSE_EMBEDDED_TOKEN_PROFILE: /);
    expect(loadConfig({ GATEHOUSE_THIRD_PARTY_SCOPES: 'identity:read, docs:read' }).auth).toMatchObject({ thirdPartyScopes: ['identity:read', 'docs:read'] });
    expect(issues({ GATEHOUSE_THIRD_PARTY_SCOPES: 'identity:read,admin:all' })[0]).toMatch(/^GATEHOUSE_THIRD_PARTY_SCOPES: unknown scope\(s\) admin:all/);
  });

  it('GATEHOUSE_ISSUER_URL trusts any OpenID Connect issuer; GATEHOUSE_AUDIENCE (or AUTH0_AUDIENCE with AUTH0_DOMAIN) names the audience', () => {
    const c = loadConfig({ GATEHOUSE_ISSUER_URL: 'https://id.example.com/realms/acme', GATEHOUSE_AUDIENCE: 'https://mcp.example.com/mcp', AUTH0_CLIENT_ID: 'web', AUTH0_CLIENT_SECRET: 'ws' });
    expect(c.auth).toEqual({ mode: 'oidc', issuer: 'https://id.example.com/realms/acme', audience: 'https://mcp.example.com/mcp', clientId: 'web', clientSecret: 'ws', customApiClient: undefined });
    // The issuer identifier is kept exactly as given: discovery compares it with what the issuer names itself.
    expect(loadConfig({ GATEHOUSE_ISSUER_URL: 'http://127.0.0.1:8788' }).auth).toMatchObject({ mode: 'oidc', issuer: 'http://127.0.0.1:8788', audience: undefined });
    expect(loadConfig({ GATEHOUSE_ISSUER_URL: 'http://[::1]:8788/' }).auth).toMatchObject({ issuer: 'http://[::1]:8788/' });
    expect(loadConfig({ GATEHOUSE_ISSUER_URL: 'http://localhost:8788' }).auth).toMatchObject({ mode: 'oidc' });
    expect(loadConfig({ AUTH0_DOMAIN: 'acme.us.auth0.com', GATEHOUSE_AUDIENCE: 'https://mcp.acme.example/mcp' }).auth).toMatchObject({ mode: 'auth0', audience: 'https://mcp.acme.example/mcp' });
  });

  it('GATEHOUSE_ISSUER_URL: plain http only on loopback, never together with AUTH0_DOMAIN, and the audience needs a remote issuer', () => {
    const https = 'GATEHOUSE_ISSUER_URL: must use https (plain http only to a loopback host: 127.0.0.1, localhost, ::1)';
    expect(issues({ GATEHOUSE_ISSUER_URL: 'http://id.example.com' })).toEqual([https]);
    expect(issues({ GATEHOUSE_ISSUER_URL: 'http://10.0.0.5:8788' })).toEqual([https]);
    expect(issues({ GATEHOUSE_ISSUER_URL: 'http://127.0.0.1.nip.io:8788' })).toEqual([https]);
    expect(issues({ GATEHOUSE_ISSUER_URL: 'https://id.example.com/?tenant=a' })).toEqual(['GATEHOUSE_ISSUER_URL: give the issuer identifier only (no query, fragment or credentials)']);
    expect(issues({ GATEHOUSE_ISSUER_URL: 'ftp://id.example.com' })[0]).toMatch(/^GATEHOUSE_ISSUER_URL: /);
    expect(issues({ GATEHOUSE_ISSUER_URL: 'https://id.example.com', AUTH0_DOMAIN: 'acme.us.auth0.com' })).toEqual([
      'GATEHOUSE_ISSUER_URL / AUTH0_DOMAIN: set one or the other (AUTH0_DOMAIN is the issuer https://<AUTH0_DOMAIN>/)',
    ]);
    expect(issues({ GATEHOUSE_AUDIENCE: 'https://mcp.example.com/mcp' })).toEqual([
      'GATEHOUSE_AUDIENCE: set GATEHOUSE_ISSUER_URL or AUTH0_DOMAIN too (the embedded authorization server issues tokens for the MCP URL)',
    ]);
    expect(issues({ AUTH0_DOMAIN: 'a.auth0.com', AUTH0_AUDIENCE: 'https://x.example/mcp', GATEHOUSE_AUDIENCE: 'https://y.example/mcp' })).toEqual([
      'GATEHOUSE_AUDIENCE / AUTH0_AUDIENCE: set one or the other (AUTH0_AUDIENCE is the older name of GATEHOUSE_AUDIENCE)',
    ]);
    expect(issues({ GATEHOUSE_ISSUER_URL: 'https://id.example.com', AUTH0_AUDIENCE: 'https://x.example/mcp' })).toEqual(['AUTH0_AUDIENCE: set AUTH0_DOMAIN too (the audience belongs to an Auth0 tenant)']);
    expect(issues({ GATEHOUSE_ISSUER_URL: 'https://id.example.com', GATEHOUSE_EMBEDDED_CIMD_ALLOW_PRIVATE: 'true' })).toEqual([
      'GATEHOUSE_EMBEDDED_CIMD_ALLOW_PRIVATE: only for the embedded authorization server; with GATEHOUSE_ISSUER_URL set, that issuer fetches client metadata documents',
    ]);
  });

  it('GATEHOUSE_REQUEST_STATE_KEY: 32 bytes in base64url, else generated into the data dir', () => {
    expect(loadConfig({}).requestState).toEqual({ key: undefined });
    const key = 'A'.repeat(43);
    expect(loadConfig({ GATEHOUSE_REQUEST_STATE_KEY: key }).requestState).toEqual({ key });
    expect(issues({ GATEHOUSE_REQUEST_STATE_KEY: 'short' })).toEqual(['GATEHOUSE_REQUEST_STATE_KEY: GATEHOUSE_REQUEST_STATE_KEY must be 32 random bytes in base64url (43 characters)']);
  });

  it('GATEHOUSE_DATABASE_URL: PostgreSQL instead of SQLite; its value never appears in a message', () => {
    expect(loadConfig({}).store).toEqual({ kind: 'sqlite' });
    const url = 'postgres://gatehouse:s3cret-pw@db.internal:5432/gatehouse?sslmode=require';
    expect(loadConfig({ GATEHOUSE_DATABASE_URL: url }).store).toEqual({ kind: 'postgres', url, poolSize: 10 });
    const key = 'B'.repeat(43);
    expect(loadConfig({ GATEHOUSE_DATABASE_URL: 'postgresql:///gatehouse?host=/run/postgresql', GATEHOUSE_DATABASE_POOL_SIZE: '4', GATEHOUSE_SEALING_KEY: key }).store).toEqual({
      kind: 'postgres',
      url: 'postgresql:///gatehouse?host=/run/postgresql',
      poolSize: 4,
      sealingKey: key,
    });
    expect(issues({ GATEHOUSE_DATABASE_URL: 'mysql://root:s3cret-pw@db/gatehouse' })).toEqual(['GATEHOUSE_DATABASE_URL: must be a postgres:// (or postgresql://) URL']);
    expect(issues({ GATEHOUSE_DATABASE_URL: 's3cret-pw' })).toEqual(['GATEHOUSE_DATABASE_URL: must be a postgres://user:password@host:port/database URL']);
    expect(issues({ GATEHOUSE_DATABASE_URL: 'postgres:///gatehouse' })).toEqual(['GATEHOUSE_DATABASE_URL: name the server (postgres://host/database, or ?host=/socket/dir)']);
    expect(issues({ GATEHOUSE_SEALING_KEY: key })).toEqual(['GATEHOUSE_SEALING_KEY: only used with GATEHOUSE_DATABASE_URL (with SQLite, secrets are key files in the data dir)']);
    expect(issues({ GATEHOUSE_DATABASE_POOL_SIZE: '4' })).toEqual(['GATEHOUSE_DATABASE_POOL_SIZE: only used with GATEHOUSE_DATABASE_URL']);
    expect(issues({ GATEHOUSE_DATABASE_URL: url, GATEHOUSE_SEALING_KEY: 'short' })).toEqual(['GATEHOUSE_SEALING_KEY: GATEHOUSE_SEALING_KEY must be 32 random bytes in base64url (43 characters)']);
    for (const bad of ['mysql://root:s3cret-pw@db/gatehouse', 's3cret-pw']) expect(issues({ GATEHOUSE_DATABASE_URL: bad }).join('\n')).not.toContain('s3cret-pw');
  });

  it('cross-field rules name the variables', () => {
    expect(issues({ AUTH0_AUDIENCE: 'https://x.example/mcp' })).toEqual(['AUTH0_AUDIENCE: set AUTH0_DOMAIN too (the audience belongs to an Auth0 tenant)']);
    expect(issues({ AUTH0_DOMAIN: 'a.auth0.com', AUTH0_CLIENT_ID: 'x' })).toEqual(['AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET: set both or neither']);
    expect(issues({ FGA_API_URL: 'https://api.fga.example' })).toEqual(['FGA_STORE_ID: required when FGA_API_URL is set']);
    expect(issues({ AUTH0_DOMAIN: 'a.auth0.com', AUTH0_CUSTOM_API_CLIENT_SECRET: 's' })).toEqual(['AUTH0_CUSTOM_API_CLIENT_ID / AUTH0_CUSTOM_API_CLIENT_SECRET: set both or neither']);
    expect(issues({ AUTH0_CUSTOM_API_CLIENT_ID: 'c', AUTH0_CUSTOM_API_CLIENT_SECRET: 's' })).toEqual(['AUTH0_CUSTOM_API_CLIENT_ID: set AUTH0_DOMAIN or GATEHOUSE_ISSUER_URL too']);
    expect(issues({ AUTH0_CLIENT_ID: 'c', AUTH0_CLIENT_SECRET: 's' })).toEqual(['AUTH0_CLIENT_ID: set AUTH0_DOMAIN or GATEHOUSE_ISSUER_URL too']);
    expect(issues({ FGA_API_URL: 'https://api.fga.example', FGA_STORE_ID: 's', FGA_CLIENT_ID: 'c' })[0]).toMatch(/^FGA_CLIENT_ID, FGA_CLIENT_SECRET/);
  });

  it('FGA API keys: GATEHOUSE_FGA_API_KEY for the embedded API, FGA_API_TOKEN for a remote OpenFGA', () => {
    const k1 = 'a'.repeat(16);
    const k2 = 'B-_.~+/=0123456789';
    expect(loadConfig({ GATEHOUSE_FGA_API_KEY: `${k1}, ${k2}` }).fga).toEqual({ mode: 'embedded', port: 8789, apiKeys: [k1, k2] });
    expect(loadConfig({}).fga).toMatchObject({ mode: 'embedded', apiKeys: undefined });
    expect(issues({ GATEHOUSE_FGA_API_KEY: 'short' })).toEqual(['GATEHOUSE_FGA_API_KEY.0: each key must be 16-512 characters of A-Z a-z 0-9 . _ ~ + / = -']);
    expect(issues({ GATEHOUSE_FGA_API_KEY: `${k1},has space in it!!` })[0]).toMatch(/^GATEHOUSE_FGA_API_KEY\.1: each key must be/);
    expect(issues({ GATEHOUSE_FGA_API_KEY: ' , ' })).toEqual(['GATEHOUSE_FGA_API_KEY: give at least one key']);

    const remote = { FGA_API_URL: 'https://openfga.internal.example', FGA_STORE_ID: 's' };
    expect(loadConfig({ ...remote, FGA_API_TOKEN: 'preshared-1' }).fga).toMatchObject({ mode: 'remote', apiToken: 'preshared-1', credentials: undefined });
    expect(issues({ ...remote, GATEHOUSE_FGA_API_KEY: k1 })).toEqual([
      "GATEHOUSE_FGA_API_KEY: only for the embedded FGA API; with FGA_API_URL set, give the remote OpenFGA's preshared key as FGA_API_TOKEN",
    ]);
    expect(issues({ FGA_API_TOKEN: 'preshared-1' })).toEqual(['FGA_API_URL: required when FGA_STORE_ID, FGA_MODEL_ID or FGA_API_TOKEN is set']);
    const clientCredentials = { FGA_CLIENT_ID: 'c', FGA_CLIENT_SECRET: 's', FGA_API_TOKEN_ISSUER: 'auth.fga.dev', FGA_API_AUDIENCE: 'https://api.us1.fga.dev/' };
    expect(issues({ ...remote, ...clientCredentials, FGA_API_TOKEN: 'preshared-1' })).toEqual([
      'FGA_API_TOKEN: a preshared key excludes client credentials; set either FGA_API_TOKEN or FGA_CLIENT_ID, FGA_CLIENT_SECRET, FGA_API_TOKEN_ISSUER, FGA_API_AUDIENCE',
    ]);
    expect(issues({ ...remote, FGA_API_TOKEN: 'two words' })).toEqual(['FGA_API_TOKEN: FGA_API_TOKEN must be printable ASCII without spaces']);
  });

  it('the no-auth test mode refuses any non-loopback host', () => {
    expect(issues({ GATEHOUSE_INSECURE_NO_AUTH: 'true', GATEHOUSE_HOST: '0.0.0.0' })).toEqual([
      'GATEHOUSE_INSECURE_NO_AUTH: only allowed when GATEHOUSE_HOST is a loopback address (127.0.0.1, localhost, ::1)',
    ]);
    expect(loadConfig({ GATEHOUSE_INSECURE_NO_AUTH: 'true' }).server.insecureNoAuth).toBe(true);
  });

  it('the client metadata document test settings: loopback hosts and the embedded authorization server only', () => {
    expect(loadConfig({}).auth).not.toHaveProperty('clientIdMetadataDocuments');
    expect(loadConfig({ GATEHOUSE_EMBEDDED_CIMD_ALLOW_PRIVATE: 'true', GATEHOUSE_EMBEDDED_CIMD_CA_FILE: '/etc/test-ca.pem' }).auth).toMatchObject({
      mode: 'embedded',
      clientIdMetadataDocuments: { allowPrivateAddresses: true, caFile: '/etc/test-ca.pem' },
    });
    expect(issues({ GATEHOUSE_EMBEDDED_CIMD_ALLOW_PRIVATE: 'true', GATEHOUSE_HOST: '0.0.0.0' })).toEqual([
      'GATEHOUSE_EMBEDDED_CIMD_ALLOW_PRIVATE: test only; allowed only when GATEHOUSE_HOST is a loopback address (127.0.0.1, localhost, ::1)',
    ]);
    expect(issues({ GATEHOUSE_EMBEDDED_CIMD_CA_FILE: 'ca.pem', GATEHOUSE_HOST: '10.0.0.5' })).toEqual([
      'GATEHOUSE_EMBEDDED_CIMD_CA_FILE: test only; allowed only when GATEHOUSE_HOST is a loopback address (127.0.0.1, localhost, ::1)',
    ]);
    expect(issues({ GATEHOUSE_EMBEDDED_CIMD_ALLOW_PRIVATE: 'true', AUTH0_DOMAIN: 'acme.us.auth0.com' })).toEqual([
      'GATEHOUSE_EMBEDDED_CIMD_ALLOW_PRIVATE: only for the embedded authorization server; with AUTH0_DOMAIN set, Auth0 fetches client metadata documents',
    ]);
    expect(issues({ GATEHOUSE_EMBEDDED_CIMD_ALLOW_PRIVATE: 'yes' })[0]).toMatch(/^GATEHOUSE_EMBEDDED_CIMD_ALLOW_PRIVATE: /);
  });

  it('the CLI exits 78 naming the variable', async () => {
    const { execFile } = await import('node:child_process');
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, ['bin/gatehouse-dev.mjs', 'serve'], { env: { PATH: process.env.PATH ?? '', GATEHOUSE_PORT: 'x' } }, (err, _o, stderr) =>
        resolve({ code: err ? (err as { code: number }).code : 0, stderr }),
      );
    });
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/^gatehouse: Invalid configuration:\n  - GATEHOUSE_PORT: /);
  });

  it('upstream deadlines, bulkhead and circuit breaker: FGA answers within 2 s by default, the library defaults are the same numbers', () => {
    const c = loadConfig({});
    expect(c.upstreams).toEqual({
      fga: { deadlineMs: 2000, maxConcurrent: 64, breakerFailures: 5, breakerHalfOpenMs: 10_000 },
      vault: { deadlineMs: 5000, maxConcurrent: 64, breakerFailures: 5, breakerHalfOpenMs: 10_000 },
      ciba: { deadlineMs: 5000, maxConcurrent: 64, breakerFailures: 5, breakerHalfOpenMs: 10_000 },
      provider: { deadlineMs: 10_000, maxConcurrent: 64, breakerFailures: 5, breakerHalfOpenMs: 10_000 },
    });
    expect(c.upstreams).toEqual(DEFAULT_UPSTREAM_SETTINGS);
    expect(c.metrics).toEqual({ token: undefined });
    const t = loadConfig({
      GATEHOUSE_FGA_DEADLINE_MS: '300',
      GATEHOUSE_VAULT_DEADLINE_MS: '400',
      GATEHOUSE_CIBA_DEADLINE_MS: '500',
      GATEHOUSE_PROVIDER_DEADLINE_MS: '600',
      GATEHOUSE_UPSTREAM_MAX_CONCURRENT: '8',
      GATEHOUSE_BREAKER_FAILURES: '3',
      GATEHOUSE_BREAKER_HALF_OPEN_MS: '1500',
      GATEHOUSE_METRICS_TOKEN: 'm'.repeat(32),
    });
    expect(t.upstreams.fga).toEqual({ deadlineMs: 300, maxConcurrent: 8, breakerFailures: 3, breakerHalfOpenMs: 1500 });
    expect(t.upstreams.provider.deadlineMs).toBe(600);
    expect(t.metrics.token).toBe('m'.repeat(32));
  });

  it('refuses a deadline, cap or breaker setting out of range, and a short metrics key, naming the variable', () => {
    expect(issues({ GATEHOUSE_FGA_DEADLINE_MS: '0' })).toEqual(['GATEHOUSE_FGA_DEADLINE_MS: must be at least 50 ms']);
    expect(issues({ GATEHOUSE_VAULT_DEADLINE_MS: '1.5' })).toEqual(['GATEHOUSE_VAULT_DEADLINE_MS: must be whole milliseconds']);
    expect(issues({ GATEHOUSE_CIBA_DEADLINE_MS: '999999' })).toEqual(['GATEHOUSE_CIBA_DEADLINE_MS: must be at most 120000 ms']);
    expect(issues({ GATEHOUSE_UPSTREAM_MAX_CONCURRENT: '0' })[0]).toMatch(/^GATEHOUSE_UPSTREAM_MAX_CONCURRENT: /);
    expect(issues({ GATEHOUSE_BREAKER_FAILURES: '0' })[0]).toMatch(/^GATEHOUSE_BREAKER_FAILURES: /);
    expect(issues({ GATEHOUSE_BREAKER_HALF_OPEN_MS: '10' })[0]).toMatch(/^GATEHOUSE_BREAKER_HALF_OPEN_MS: /);
    expect(issues({ GATEHOUSE_METRICS_TOKEN: 'short' })).toEqual(['GATEHOUSE_METRICS_TOKEN: GATEHOUSE_METRICS_TOKEN must be 32-512 characters of A-Z a-z 0-9 . _ ~ + / = -']);
  });
});

describe('config: OpenTelemetry tracing from the standard OTEL_* variables', () => {
  it('off without them; the OTEL_* names are not ours, so the unknown-variable check never rejects them', () => {
    expect(loadConfig({}).tracing).toBeUndefined();
    expect(loadConfig({ OTEL_SERVICE_NAME: 'x', OTEL_RESOURCE_ATTRIBUTES: 'a=b' }).tracing).toBeUndefined();
  });

  it('a traces endpoint is used as is; a base endpoint gets /v1/traces; OTEL_TRACES_EXPORTER=otlp alone the OTLP default', () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/custom' }).tracing).toEqual({ url: 'http://collector:4318/custom', headers: {}, serviceName: 'gatehouse' });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4318/', OTEL_SERVICE_NAME: 'gh-prod' }).tracing).toEqual({ url: 'https://collector:4318/v1/traces', headers: {}, serviceName: 'gh-prod' });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b:4318/v1/traces' }).tracing?.url).toBe('https://b:4318/v1/traces');
    expect(loadConfig({ OTEL_TRACES_EXPORTER: 'otlp' }).tracing?.url).toBe('http://localhost:4318/v1/traces');
  });

  it('OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none turn it off', () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }).tracing).toBeUndefined();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }).tracing).toBeUndefined();
  });

  it('export headers: key=value pairs, percent-decoded, the traces-specific ones overriding', () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_HEADERS: 'api-key=a%20b,x-team=core', OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'API-Key=c' }).tracing?.headers).toEqual({ 'api-key': 'c', 'x-team': 'core' });
  });

  it('refuses what it would not honour, naming the variable', () => {
    expect(issues({ OTEL_TRACES_EXPORTER: 'zipkin' })).toEqual(['OTEL_TRACES_EXPORTER: only otlp (OTLP/HTTP) or none are supported']);
    expect(issues({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toEqual(['OTEL_EXPORTER_OTLP_PROTOCOL: only http/json is supported (the OTLP/HTTP JSON exporter)']);
    expect(issues({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' })).toEqual([]);
    expect(issues({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://collector/v1/traces' })).toEqual(['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: must be an http(s) URL']);
    expect(issues({ OTEL_SDK_DISABLED: 'yes' })).toEqual(['OTEL_SDK_DISABLED: must be true or false']);
    expect(issues({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_HEADERS: 'no-equals-sign' })).toEqual(['OTEL_EXPORTER_OTLP_HEADERS: give comma-separated key=value pairs (W3C Baggage format)']);
  });
});
