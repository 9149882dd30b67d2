/**
 * The embedded FGA HTTP server: express with the OpenFGA routes, JSON bodies up to 1 MB, the error
 * mapper, and a 404 `undefined_endpoint` for everything else. Binds loopback by default.
 */
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../../log.js';
import type { FgaEngine } from '../engine.js';
import { errorHandler } from './error-response.js';
import { fgaRoutes } from './routes.js';

export interface RunningServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function listen(engine: FgaEngine, host: string, port: number, logger: Logger): Promise<RunningServer> {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '1mb' }));
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
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
