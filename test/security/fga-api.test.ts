/**
 * The embedded FGA API from an attacker's side: any local process (or a DNS-rebinding web page) that
 * can reach the FGA port tries to make carol a member of finance. OpenFGA with preshared keys refuses
 * an unauthenticated write; so must the stand-in, and a foreign Host or Origin is refused even with
 * the key. carol's search must stay free of finance documents.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CredentialsMethod, FgaApiAuthenticationError, OpenFgaClient } from '@openfga/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { fgaApiKey, rawRequest } from '../helpers/fga.js';
import { connectWithToken, tokenFor } from '../helpers/mcp-client.js';

/** carol's contractor window is open at this instant (it ends 2030-01-01). */
const NOW = new Date('2026-06-01T12:00:00Z');
const CAROL_IN_FINANCE = { user: 'user:carol', relation: 'member', object: 'group:finance' };
const FINANCE_DOCS = ['q3-budget', 'salary-bands'];

type Hit = { id: string };
const ids = (r: Awaited<ReturnType<Client['callTool']>>) => ((r.structuredContent as { results?: Hit[] }).results ?? []).map((h) => h.id);

describe('embedded FGA API: the attacker writes carol into finance', () => {
  let gh: TestGatehouse;
  let carol: Client;
  let fgaUrl: string;
  let writeUrl: string;
  const writeBody = () => JSON.stringify({ writes: { tuple_keys: [CAROL_IN_FINANCE] } });

  beforeAll(async () => {
    gh = await startTestGatehouse({}, { now: () => NOW });
    fgaUrl = gh.fga!.url;
    writeUrl = `${fgaUrl}/stores/${gh.fga!.storeId}/write`;
    carol = await connectWithToken(gh.mcpUrl, await tokenFor(gh, 'carol'));
  });
  afterAll(async () => {
    await carol?.close();
    await gh?.stop();
  });

  const carolSearch = async () => ids(await carol.callTool({ name: 'search_documents', arguments: { query: 'budget salary bands finance', k: 20 } }));

  it('a write without the key gets 401 bearer_token_missing (OpenFGA preshared-key body), and changes nothing', async () => {
    const sdk = new OpenFgaClient({ apiUrl: fgaUrl, storeId: gh.fga!.storeId, retryParams: { maxRetry: 0, minWaitInMs: 1 } });
    const err = await sdk.writeTuples([CAROL_IN_FINANCE]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FgaApiAuthenticationError);
    expect((err as FgaApiAuthenticationError).statusCode).toBe(401);
    expect((err as FgaApiAuthenticationError).apiErrorCode).toBe('bearer_token_missing');

    const raw = await rawRequest(writeUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: writeBody() });
    expect(raw.status).toBe(401);
    expect(raw.json()).toEqual({ code: 'bearer_token_missing', message: 'missing bearer token' });

    const basic = await rawRequest(writeUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Basic Z2F0ZTpob3VzZQ==' }, body: writeBody() });
    expect(basic.status).toBe(401);
    expect(basic.json()).toEqual({ code: 'bearer_token_missing', message: 'missing bearer token' });

    expect(await gh.authorizer.check(CAROL_IN_FINANCE)).toBe(false);
  });

  it('a write with a wrong key gets 401 unauthenticated, and changes nothing', async () => {
    const key = fgaApiKey(gh.dataDir);
    for (const wrong of ['not-the-key', `${key}x`, key.slice(0, -1), `${key.toLowerCase() === key ? key.toUpperCase() : key.toLowerCase()}`]) {
      const raw = await rawRequest(writeUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${wrong}` }, body: writeBody() });
      expect(raw.status).toBe(401);
      expect(raw.json()).toEqual({ code: 'unauthenticated', message: 'unauthenticated' });
    }
    const sdk = new OpenFgaClient({
      apiUrl: fgaUrl,
      storeId: gh.fga!.storeId,
      credentials: { method: CredentialsMethod.ApiToken, config: { token: 'guessed-key-0123456789' } },
      retryParams: { maxRetry: 0, minWaitInMs: 1 },
    });
    const err = await sdk.writeTuples([CAROL_IN_FINANCE]).catch((e: unknown) => e);
    expect((err as FgaApiAuthenticationError).apiErrorCode).toBe('unauthenticated');
    expect(await gh.authorizer.check(CAROL_IN_FINANCE)).toBe(false);
  });

  it('a write with the right key but a foreign Host (DNS rebinding) gets 403, and changes nothing', async () => {
    const key = fgaApiKey(gh.dataDir);
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
    const foreignHost = await rawRequest(writeUrl, { method: 'POST', headers: { ...headers, host: `evil.example:${new URL(fgaUrl).port}` }, body: writeBody() });
    expect(foreignHost.status).toBe(403);
    expect(foreignHost.json()).toEqual({ code: 'forbidden', message: 'Forbidden: Host header not allowed.' });

    const foreignOrigin = await rawRequest(writeUrl, { method: 'POST', headers: { ...headers, origin: 'https://evil.example' }, body: writeBody() });
    expect(foreignOrigin.status).toBe(403);
    expect(foreignOrigin.json()).toEqual({ code: 'forbidden', message: 'Forbidden: Origin not allowed.' });

    expect(await gh.authorizer.check(CAROL_IN_FINANCE)).toBe(false);
  });

  it("after all those attempts carol's search still returns no finance document", async () => {
    const found = await carolSearch();
    expect(found).toContain('falcon-budget');
    for (const doc of FINANCE_DOCS) expect(found).not.toContain(doc);
  });

  it('a 5 MB body is answered 413 in OpenFGA error shape, not 500', async () => {
    const key = fgaApiKey(gh.dataDir);
    const big = JSON.stringify({ writes: { tuple_keys: [{ ...CAROL_IN_FINANCE, object: `group:${'f'.repeat(5 * 1024 * 1024)}` }] } });
    const res = await rawRequest(writeUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: big });
    expect(res.status).toBe(413);
    expect(res.json()).toEqual({ code: 'resource_exhausted', message: 'request body exceeds the 1mb limit' });
  });

  it('/healthz answers SERVING without the key (as OpenFGA does), but still checks Host', async () => {
    const ok = await rawRequest(`${fgaUrl}/healthz`);
    expect(ok.status).toBe(200);
    expect(ok.json()).toEqual({ status: 'SERVING' });
    const rebound = await rawRequest(`${fgaUrl}/healthz`, { headers: { host: 'evil.example' } });
    expect(rebound.status).toBe(403);
  });

  it('with the key, the same client library works (the owner of the data dir keeps full access)', async () => {
    const sdk = new OpenFgaClient({
      apiUrl: fgaUrl,
      storeId: gh.fga!.storeId,
      authorizationModelId: gh.fga!.modelId,
      credentials: { method: CredentialsMethod.ApiToken, config: { token: fgaApiKey(gh.dataDir) } },
      retryParams: { maxRetry: 0, minWaitInMs: 1 },
    });
    expect((await sdk.check({ user: 'user:bob', relation: 'member', object: 'group:finance' })).allowed).toBe(true);
    expect((await sdk.check(CAROL_IN_FINANCE)).allowed).toBe(false);
  });
});
