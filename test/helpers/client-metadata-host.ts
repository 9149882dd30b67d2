import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { testCertificates } from './test-ca.js';

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * An https server on loopback with a certificate from the test CA: where a test publishes client
 * metadata documents (and misbehaving variants of them). Counts the requests each path received.
 */
export interface ClientMetadataHost {
  /** https://localhost:<port> */
  readonly origin: string;
  readonly port: number;
  /** Serve a route; `json` sends the value as application/json. */
  route(path: string, handler: Route): void;
  json(path: string, body: unknown, headers?: Record<string, string>): void;
  hits(path: string): number;
  close(): Promise<void>;
}

export async function startClientMetadataHost(host = '127.0.0.1'): Promise<ClientMetadataHost> {
  const { keyPem, certPem } = testCertificates();
  const routes = new Map<string, Route>();
  const counts = new Map<string, number>();
  const server: Server = createServer({ key: keyPem, cert: certPem }, (req, res) => {
    const path = new URL(req.url ?? '/', 'https://localhost').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const handler = routes.get(path);
    if (!handler) {
      res.statusCode = 404;
      res.end();
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `https://localhost:${port}`,
    port,
    route: (path, handler) => void routes.set(path, handler),
    json(path, body, headers = {}) {
      routes.set(path, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      });
    },
    hits: (path) => counts.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
