/**
 * The embedded FGA HTTP server: express with, in order, the Host/Origin guard, `/healthz` (open, as
 * on OpenFGA), preshared-key authentication, JSON bodies up to 1 MB (413 beyond), the OpenFGA
 * routes, the error mapper, and a 404 `undefined_endpoint` for everything else. Binds loopback by default.
 */
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../../log.js';
import { hostNamesFor } from '../../../http/host-origin.js';
import type { FgaEngine } from '../engine.js';
import { BODY_LIMIT, errorHandler } from './error-response.js';
import { fgaHostOriginGuard } from './host-origin.js';
import { presharedKeyAuth } from './preshared-key.js';
import { fgaRoutes } from './routes.js';

export interface RunningServer {
  readonly url: string;
  close(): Promise<void>;
}

export interface ListenOptions {
  /** Preshared keys; a request must carry one as `Authorization: Bearer <key>`. At least one. */
  readonly apiKeys: readonly string[];
  /** Extra Host header values to accept (public names), beyond this server's own host:port. */
  readonly allowedHosts?: readonly string[];
  /** Extra browser origins to accept, beyond this server's own and loopback pages. */
  readonly allowedOrigins?: readonly string[];
}

export async function listen(engine: FgaEngine, host: string, port: number, logger: Logger, opts: ListenOptions): Promise<RunningServer> {
  const authenticate = presharedKeyAuth(opts.apiKeys);
  let hosts: ReadonlySet<string> = new Set();
  let origins: ReadonlySet<string> = new Set();
  const app = express();
  app.disable('x-powered-by');
  app.use(fgaHostOriginGuard({ allowedHosts: () => hosts, allowedOrigins: () => origins }));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'SERVING' });
  });
  app.use(authenticate);
  app.use(express.json({ limit: BODY_LIMIT }));
  app.use(fgaRoutes(engine));
  app.use((_req, res) => {
    res.status(404).json({ code: 'undefined_endpoint', message: 'Not Found' });
  });
  app.use(errorHandler(logger));
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(port, host, () => resolve(s));
    s.once('error', reject);
  });
  server.keepAliveTimeout = 65_000;
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}`;
  // A wildcard bind is reached through loopback here (and through configured public names elsewhere).
  const named = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  hosts = hostNamesFor(named, address.port, [...(opts.allowedHosts ?? []), new URL(url).host]);
  origins = new Set([new URL(url).origin, ...(opts.allowedOrigins ?? []).map((o) => o.toLowerCase())]);
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
