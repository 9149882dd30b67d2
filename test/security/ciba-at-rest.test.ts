import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceFor } from '../helpers/approvals.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';

/**
 * A CIBA auth_req_id is the bearer handle the polling client redeems for the approval's token. A copy
 * of the database must not hold it: the request is stored under its hash, and the trusted-device page
 * lists and answers requests by that key, never by the auth_req_id.
 */
const CIBA = 'urn:openid:params:grant-type:ciba';
const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

let gh: TestGatehouse;
beforeAll(async () => {
  gh = await startTestGatehouse();
});
afterAll(async () => {
  await gh?.stop();
});

async function bcAuthorize(sub: string, bindingMessage: string): Promise<string> {
  const client = gh.authServer!.serverClient;
  const res = await fetch(`${gh.issuer}/bc-authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      login_hint: JSON.stringify({ format: 'iss_sub', iss: gh.issuer, sub }),
      scope: 'openid',
      binding_message: bindingMessage,
    }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { auth_req_id: string }).auth_req_id;
}

async function poll(authReqId: string): Promise<string> {
  const client = gh.authServer!.serverClient;
  const config = await oidc.discovery(new URL(gh.issuer), client.clientId, undefined, oidc.ClientSecretPost(client.clientSecret), { execute: [oidc.allowInsecureRequests] });
  try {
    const tokens = await oidc.genericGrantRequest(config, CIBA, { auth_req_id: authReqId });
    return tokens.access_token ? 'access_token' : 'no_token';
  } catch (e) {
    return (e as oidc.ResponseBodyError).error;
  }
}

const cibaRows = () =>
  gh.db.prepare("SELECT id, payload FROM oidc_models WHERE model = 'BackchannelAuthenticationRequest'").all() as { id: string; payload: string }[];

function databaseBytes(): Buffer {
  return Buffer.concat(['gatehouse.db', 'gatehouse.db-wal'].filter((f) => existsSync(join(gh.dataDir, f))).map((f) => readFileSync(join(gh.dataDir, f))));
}

describe('CIBA requests at rest', () => {
  it('no row, payload or database byte holds the auth_req_id; the device page approves by the row key and the poll gets the token', async () => {
    const authReqId = await bcAuthorize('alice', 'at rest A1');
    const rows = cibaRows();
    expect(rows.map((r) => r.id)).toContain(sha256(authReqId));
    expect(JSON.stringify(rows)).not.toContain(authReqId);
    expect(JSON.stringify(gh.db.prepare('SELECT * FROM oidc_models').all())).not.toContain(authReqId);
    expect(databaseBytes().includes(authReqId)).toBe(false);

    // Someone holding the database has only the key: it is not an auth_req_id the token endpoint knows.
    expect(await poll(sha256(authReqId))).toBe('invalid_grant');
    expect(await poll(authReqId)).toBe('authorization_pending');

    const device = await deviceFor(gh.issuer, 'alice');
    const { requests } = await device.list();
    const mine = requests.find((r) => r.bindingMessage === 'at rest A1')!;
    expect(mine.id).toBe(sha256(authReqId));
    expect(JSON.stringify(requests)).not.toContain(authReqId);
    // The device never needs the auth_req_id; answering by it finds nothing.
    expect(await device.decide(authReqId, 'approve')).toBe('not_found');
    expect(await device.decide(mine.id, 'approve')).toBe('approved');
    expect(await device.decide(mine.id, 'approve')).toBe('not_found');
    expect(await poll(authReqId)).toBe('access_token');
    expect(await poll(authReqId)).toBe('invalid_grant');
    expect(JSON.stringify(gh.db.prepare('SELECT * FROM oidc_models').all())).not.toContain(authReqId);
  });

  it('a deny through the device page reaches the poll as access_denied; another user cannot answer the request', async () => {
    const authReqId = await bcAuthorize('alice', 'at rest D1');
    const id = sha256(authReqId);
    const bob = await deviceFor(gh.issuer, 'bob');
    expect((await bob.list()).requests.map((r) => r.id)).not.toContain(id);
    expect(await bob.decide(id, 'approve')).toBe('not_found');
    const alice = await deviceFor(gh.issuer, 'alice');
    expect(await alice.decide(id, 'deny')).toBe('denied');
    expect(await poll(authReqId)).toBe('access_denied');
    expect((await alice.list()).requests.map((r) => r.id)).not.toContain(id);
  });
});
