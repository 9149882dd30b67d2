import express, { type RequestHandler, type Response, type Router } from 'express';
import { z } from 'zod';
import { connectionLabel } from '../errors.js';
import type { Logger } from '../log.js';
import { connectedPage, failurePage, PAGE_HEADERS } from './connect-pages.js';

/** Why a connect flow stopped; each has its own page. */
export type ConnectFailure = 'invalid_ticket' | 'expired' | 'wrong_user' | 'denied' | 'unavailable';

/** Where a flow goes next: the browser is sent on (and the flow bound to it by a cookie), or the account is connected. */
export type ConnectStep =
  | { readonly flowId: string; readonly redirect: URL }
  | { readonly done: { readonly sub: string; readonly connection: string; readonly scopes: readonly string[] } };

/**
 * What the connect routes need from the Token Vault's connect flow. The routes speak HTTP and know
 * nothing of how the vault runs the flow; the composition root adapts the vault to this port.
 */
export interface ConnectPort {
  /** Consumes a connect ticket and starts the flow for `connection`. */
  start(connection: string, ticket: string): Promise<ConnectStep>;
  /** Continues the flow bound to the browser's `flowId` with the callback's query. */
  callback(flowId: string, query: URLSearchParams): Promise<ConnectStep>;
  /** Mints a connect URL for a signed-in user's own account. */
  issueTicket(sub: string, connection: string, scopes: readonly string[]): Promise<string>;
  /** The failure a thrown error stands for; undefined when it is not a known flow failure (then: unavailable, and logged). */
  failureOf(err: unknown): ConnectFailure | undefined;
}

export interface ConnectRoutesOptions {
  readonly connect: ConnectPort;
  /** The MCP origin; https makes the cookie `__Host-` and Secure. */
  readonly origin: string;
  /** Provider scopes each connection may be asked for (from the tool catalogue). */
  readonly connectionScopes: ReadonlyMap<string, readonly string[]>;
  /** Bearer authentication (the MCP endpoint's) for minting a ticket for oneself. */
  readonly authenticate: RequestHandler;
  readonly logger: Logger;
}

const TicketRequest = z.object({ connection: z.string().min(1).max(128), scopes: z.array(z.string().min(1).max(256)).max(20).optional() }).strict();

/**
 * The connect-account web routes:
 * - GET /connect/<connection>?ticket=…  starts the flow for a connect ticket (from URL elicitation);
 * - GET /connect/callback               the login and My Account callbacks (one registered redirect URI);
 * - POST /connect/tickets               a signed-in client asks for a connect URL for itself (the CLI uses it).
 * Pages refuse framing and carry no secrets; the flow cookie is HttpOnly, SameSite=Lax (+ __Host-/Secure on https).
 */
export function connectRoutes(o: ConnectRoutesOptions): Router {
  const router = express.Router();
  const secure = new URL(o.origin).protocol === 'https:';
  const cookieName = secure ? '__Host-gatehouse-connect' : 'gatehouse-connect';
  const cookie = (value: string, maxAge: number) =>
    `${cookieName}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;

  const refuse = (res: Response, kind: ConnectFailure) => {
    const page = failurePage(kind);
    res.status(page.status).set(PAGE_HEADERS).append('Set-Cookie', cookie('', 0)).send(page.body);
  };
  const fail = (res: Response, err: unknown) => {
    const kind = o.connect.failureOf(err);
    if (kind === undefined) o.logger.error({ err: err instanceof Error ? err.name : 'Error', cause: err instanceof Error ? err.message : undefined }, 'connect flow failed');
    refuse(res, kind ?? 'unavailable');
  };
  const follow = (res: Response, step: ConnectStep) => {
    if ('done' in step) {
      const { connection, sub, scopes } = step.done;
      res.status(200).set(PAGE_HEADERS).append('Set-Cookie', cookie('', 0)).send(connectedPage({ label: connectionLabel(connection), connection, user: sub, scopes }));
      return;
    }
    res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' }).append('Set-Cookie', cookie(step.flowId, 600)).redirect(302, step.redirect.href);
  };

  router.get('/connect/callback', async (req, res) => {
    const flowId = readCookie(req.headers.cookie, cookieName);
    const query = new URLSearchParams(req.url.split('?')[1] ?? '');
    if (!flowId) return refuse(res, 'expired');
    try {
      follow(res, await o.connect.callback(flowId, query));
    } catch (err) {
      fail(res, err);
    }
  });

  router.get('/connect/:connection', async (req, res) => {
    const ticket = typeof req.query.ticket === 'string' ? req.query.ticket : '';
    if (!o.connectionScopes.has(req.params.connection)) return refuse(res, 'invalid_ticket');
    try {
      follow(res, await o.connect.start(req.params.connection, ticket));
    } catch (err) {
      fail(res, err);
    }
  });

  router.post('/connect/tickets', express.json({ limit: '4kb' }), o.authenticate, async (req, res) => {
    const auth = res.locals.auth!;
    const body = TicketRequest.safeParse(req.body);
    const allowed = body.success ? o.connectionScopes.get(body.data.connection) : undefined;
    const scopes = body.success ? (body.data.scopes ?? allowed) : undefined;
    if (!body.success || !allowed || !scopes || scopes.some((s) => !allowed.includes(s))) {
      res.status(400).json({ error: 'invalid_request', error_description: 'Unknown connection, or scopes no tool of this server uses.' });
      return;
    }
    if (auth.caller.kind !== 'user') {
      res.status(403).json({ error: 'forbidden', error_description: 'Only a signed-in user can connect an account.' });
      return;
    }
    res.status(201).json({ connect_url: await o.connect.issueTicket(auth.caller.sub, body.data.connection, scopes), expires_in: 600 });
  });

  return router;
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
