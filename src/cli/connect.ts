import { z } from 'zod';
import { signInEndpoints } from '../app/resolve-backends.js';
import { loadConfig } from '../config.js';
import { connectHeadlessly } from '../embedded/authserver/headless-connect.js';
import { obtainAccessToken } from '../embedded/authserver/headless-login.js';
import { DEMO_USERS, findDemoUser } from '../embedded/seed/users.js';
import { flags, UsageError } from './args.js';

const TicketResponse = z.object({ connect_url: z.url() });

/**
 * `gatehouse connect --user alice --connection google-oauth2 [--scopes "..."]`: embedded mode only.
 * Signs in headlessly, asks the running server for a connect URL for that user, and walks the real
 * browser flow (login, consent, provider consent, My Account complete) without a browser.
 */
export async function connectCommand(argv: string[]): Promise<number> {
  const { values } = flags(argv, { user: { type: 'string' }, connection: { type: 'string' }, scopes: { type: 'string' } });
  const config = loadConfig(process.env);
  const endpoints = signInEndpoints(config);
  if (!endpoints) throw new UsageError('only for the embedded stack (with Auth0, open the connect link your agent shows in a browser)');
  const user = values.user ? findDemoUser(values.user) : undefined;
  if (!user) throw new UsageError(`--user must be one of ${DEMO_USERS.map((u) => u.id).join(', ')}`);
  if (!values.connection) throw new UsageError('--connection is required (e.g. google-oauth2)');
  const { origin, issuer, resource } = endpoints;
  const result = await runConnect({ origin, issuer, resource, user: user.id, connection: values.connection, scopes: values.scopes?.split(' ').filter(Boolean) });
  if (result.ok) {
    process.stdout.write(`Connected ${values.connection} for ${user.id}.\n`);
    return 0;
  }
  process.stderr.write(`gatehouse connect: the flow did not complete (${result.outcome ?? `HTTP ${result.status}`})\n`);
  return 1;
}

/** The headless connect, callable from tests: token -> POST /connect/tickets -> the browser flow. */
export async function runConnect(o: { origin: string; issuer: string; resource?: string; user: string; connection: string; scopes?: string[] }) {
  const user = findDemoUser(o.user);
  if (!user) throw new UsageError(`unknown demo user ${o.user}`);
  const { accessToken } = await obtainAccessToken({ issuer: o.issuer, resource: o.resource ?? `${o.origin}/mcp`, user: user.id, password: user.password });
  const response = await fetch(new URL('/connect/tickets', o.origin), {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ connection: o.connection, ...(o.scopes ? { scopes: o.scopes } : {}) }),
  });
  const ticket = TicketResponse.safeParse(await response.json().catch(() => undefined));
  if (!response.ok || !ticket.success) throw new Error(`the server refused to start a connect for ${o.connection} (HTTP ${response.status})`);
  const end = await connectHeadlessly(new URL(ticket.data.connect_url), { user: user.id, password: user.password, email: user.email });
  return { ok: end.outcome === `connected:${o.connection}`, outcome: end.outcome, status: end.status };
}
