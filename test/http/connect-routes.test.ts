import express, { type RequestHandler } from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRoutes, type ConnectPort, type ConnectStep } from '../../src/http/connect-routes.js';
import { BearerCredential } from '../../src/identity/caller.js';
import { createLogger } from '../../src/log.js';

// The connect routes depend only on the ConnectPort they declare: a stub port stands in for the vault.

class StubFailure extends Error {
  constructor(readonly kind: 'invalid_ticket' | 'expired' | 'wrong_user' | 'denied' | 'unavailable') {
    super(`stub: ${kind}`);
  }
}

const calls: string[] = [];
let next: () => Promise<ConnectStep> = async () => ({ done: { sub: 'alice', connection: 'google-oauth2', scopes: ['calendar'] } });
const port: ConnectPort = {
  start: async (connection, ticket) => (calls.push(`start ${connection} ${ticket}`), next()),
  callback: async (flowId) => (calls.push(`callback ${flowId}`), next()),
  issueTicket: async (sub, connection, scopes) => (calls.push(`ticket ${sub} ${connection} ${scopes.join(' ')}`), 'http://gh/connect/google-oauth2?ticket=t1'),
  failureOf: (err) => (err instanceof StubFailure ? err.kind : undefined),
};

const logLines: string[] = [];
const logStream = new PassThrough();
logStream.on('data', (chunk: Buffer) => logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));

/** Bearer "alice" is a user, "machine" a client; anything else is refused. */
const authenticate: RequestHandler = (req, res, nextHandler) => {
  const token = req.headers.authorization?.replace(/^Bearer /, '');
  if (token !== 'alice' && token !== 'machine') {
    res.status(401).json({ error: 'invalid_token' });
    return;
  }
  const kind = token === 'alice' ? 'user' : 'client';
  res.locals.auth = { caller: { kind, sub: token, clientId: 'c', scopes: [] }, credential: new BearerCredential(token) } as never;
  nextHandler();
};

let server: Server;
let base: string;
beforeAll(async () => {
  const app = express();
  app.use(connectRoutes({ connect: port, origin: 'http://127.0.0.1', connectionScopes: new Map([['google-oauth2', ['calendar', 'mail']]]), authenticate, logger: createLogger('error', logStream) }));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const page = async (response: Response) => ({ status: response.status, page: /data-page="([^"]+)"/.exec(await response.text())?.[1] });

describe('connect routes over a ConnectPort', () => {
  it('a known connection starts the flow through the port and a done step shows the connected page', async () => {
    calls.length = 0;
    next = async () => ({ done: { sub: 'alice', connection: 'google-oauth2', scopes: ['calendar'] } });
    const response = await fetch(`${base}/connect/google-oauth2?ticket=t1`);
    expect(await page(response)).toEqual({ status: 200, page: 'connected:google-oauth2' });
    expect(calls).toEqual(['start google-oauth2 t1']);
  });

  it('a redirect step binds the flow to the browser with an HttpOnly cookie and sends it on', async () => {
    next = async () => ({ flowId: 'f1', redirect: new URL('https://idp.example/authorize?x=1') });
    const response = await fetch(`${base}/connect/google-oauth2?ticket=t2`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('https://idp.example/authorize?x=1');
    expect(response.headers.get('set-cookie')).toBe('gatehouse-connect=f1; Path=/; HttpOnly; SameSite=Lax; Max-Age=600');
  });

  it('an unknown connection is refused as an invalid ticket without reaching the port', async () => {
    calls.length = 0;
    expect(await page(await fetch(`${base}/connect/not-a-connection?ticket=t1`))).toEqual({ status: 400, page: 'failed:invalid_ticket' });
    expect(calls).toEqual([]);
  });

  it('a callback without the flow cookie is refused as expired without reaching the port', async () => {
    calls.length = 0;
    expect(await page(await fetch(`${base}/connect/callback?state=x&code=y`))).toEqual({ status: 400, page: 'failed:expired' });
    expect(calls).toEqual([]);
  });

  it('the callback passes the cookie-bound flow id to the port, and each failure the port names gets its own page', async () => {
    const expected = { invalid_ticket: 400, expired: 400, wrong_user: 403, denied: 403, unavailable: 502 } as const;
    for (const [kind, status] of Object.entries(expected)) {
      calls.length = 0;
      next = async () => {
        throw new StubFailure(kind as keyof typeof expected);
      };
      const response = await fetch(`${base}/connect/callback?state=x&code=y`, { headers: { cookie: 'gatehouse-connect=f9' } });
      expect(await page(response)).toEqual({ status, page: `failed:${kind}` });
      expect(calls).toEqual(['callback f9']);
    }
  });

  it('an error the port does not recognise is shown as unavailable and logged without its text reaching the page', async () => {
    logLines.length = 0;
    next = async () => {
      throw new Error('socket hang up (internal detail)');
    };
    const response = await fetch(`${base}/connect/google-oauth2?ticket=t3`);
    const body = await response.clone().text();
    expect(await page(response)).toEqual({ status: 502, page: 'failed:unavailable' });
    expect(body).not.toContain('socket hang up');
    await new Promise((resolve) => setImmediate(resolve));
    expect(logLines.map((l) => JSON.parse(l) as { msg: string; cause: string })).toEqual([expect.objectContaining({ msg: 'connect flow failed', cause: 'socket hang up (internal detail)' })]);
  });

  it('a signed-in user gets a connect URL for their own account from the port; a machine client does not', async () => {
    calls.length = 0;
    const mine = await fetch(`${base}/connect/tickets`, { method: 'POST', headers: { authorization: 'Bearer alice', 'content-type': 'application/json' }, body: JSON.stringify({ connection: 'google-oauth2', scopes: ['calendar'] }) });
    expect(mine.status).toBe(201);
    expect(await mine.json()).toEqual({ connect_url: 'http://gh/connect/google-oauth2?ticket=t1', expires_in: 600 });
    expect(calls).toEqual(['ticket alice google-oauth2 calendar']);

    calls.length = 0;
    const machine = await fetch(`${base}/connect/tickets`, { method: 'POST', headers: { authorization: 'Bearer machine', 'content-type': 'application/json' }, body: JSON.stringify({ connection: 'google-oauth2' }) });
    expect(machine.status).toBe(403);
    expect(await machine.json()).toEqual({ error: 'forbidden', error_description: 'Only a signed-in user can connect an account.' });
    expect(calls).toEqual([]);
  });
});
