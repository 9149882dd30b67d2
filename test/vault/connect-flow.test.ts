import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase } from '../../src/store/sqlite/database.js';
import { createSqliteConnectFlowStore } from '../../src/store/sqlite/connect-flow-store.js';
import { createSqliteConnectTicketStore } from '../../src/store/sqlite/connect-ticket-store.js';
import { createSqliteConnectedAccountStore } from '../../src/store/sqlite/connected-account-store.js';
import { ConnectFlow, ConnectFlowError } from '../../src/vault/connect-flow.js';
import { ConnectFlowStore } from '../../src/vault/connect-flow-store.js';
import { ConnectTickets } from '../../src/vault/connect-ticket.js';
import { ConnectedAccountsLedger } from '../../src/vault/connected-accounts-ledger.js';
import { MyAccountClient } from '../../src/vault/my-account-client.js';
import { SealedBox } from '../../src/vault/sealed-box.js';
import { silentLogger } from '../../src/log.js';
import { tempDir } from '../helpers/bootstrap.js';

const ISSUER = 'https://tenant.example/';
const ORIGIN = 'https://gatehouse.example';
const box = new SealedBox(randomBytes(32).toString('base64url'));
// A client configuration built from known metadata: starting a flow only builds the authorization URL.
const client = async () => new oidc.Configuration({ issuer: ISSUER, authorization_endpoint: `${ISSUER}authorize`, token_endpoint: `${ISSUER}oauth/token` }, 'gatehouse', 'secret');

const opened: SqliteDatabase[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** One Gatehouse instance's connect flow on the shared Store file. */
function instance(file: string): { flow: ConnectFlow; tickets: ConnectTickets } {
  const db = openDatabase(file);
  opened.push(db);
  const tickets = new ConnectTickets(createSqliteConnectTicketStore(db), ORIGIN);
  const flow = new ConnectFlow({
    issuer: ISSUER,
    callbackUrl: `${ORIGIN}/connect/callback`,
    client,
    tickets,
    flows: new ConnectFlowStore(createSqliteConnectFlowStore(db), box),
    myAccount: new MyAccountClient(ISSUER),
    ledger: new ConnectedAccountsLedger(createSqliteConnectedAccountStore(db)),
    logger: silentLogger,
  });
  return { flow, tickets };
}

const kindOf = (r: PromiseSettledResult<unknown>) => (r.status === 'rejected' && r.reason instanceof ConnectFlowError ? r.reason.kind : r.status);

describe('connect flow: single-use state across instances', () => {
  it('a callback replayed at the same moment on two instances is taken by exactly one; the other finds the flow expired', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = join(dir, 'gatehouse.db');
    const [a, b] = [instance(file), instance(file)];
    const url = new URL(await a.tickets.issue('alice', 'google-oauth2', ['calendar.readonly']));
    const started = await a.flow.start('google-oauth2', url.searchParams.get('ticket')!);
    expect('flowId' in started).toBe(true);
    const { flowId, redirect } = started as { flowId: string; redirect: URL };
    const query = new URLSearchParams({ state: redirect.searchParams.get('state')!, error: 'access_denied' });

    const outcomes = await Promise.allSettled([a.flow.callback(flowId, query), b.flow.callback(flowId, query)]);
    expect(outcomes.map(kindOf).sort()).toEqual(['denied', 'expired']);
    // and once more afterwards: the state was used
    await expect(b.flow.callback(flowId, query)).rejects.toMatchObject({ kind: 'expired' });
  });

  it('a ticket starts one flow only, whichever instance it reaches', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = join(dir, 'gatehouse.db');
    const [a, b] = [instance(file), instance(file)];
    const ticket = new URL(await a.tickets.issue('alice', 'google-oauth2', ['calendar.readonly'])).searchParams.get('ticket')!;
    const outcomes = await Promise.allSettled([a.flow.start('google-oauth2', ticket), b.flow.start('google-oauth2', ticket)]);
    expect(outcomes.map(kindOf).sort()).toEqual(['fulfilled', 'invalid_ticket']);
  });
});
