import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A loopback TCP proxy in front of a real server that can "hang" it like SIGSTOP does: while paused,
 * connections are accepted and requests read, but nothing is forwarded and nothing answers. It counts
 * the HTTP requests that reach it, so a test can show a call never touched the upstream.
 */
export interface HangProxy {
  readonly url: string;
  readonly port: number;
  /** HTTP request lines seen (paused or not). */
  requests(): number;
  /** Connections open at the proxy right now. */
  open(): number;
  target(url: string): void;
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

const REQUEST_LINE = /(?:^|\r\n)(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \/\S* HTTP\/1\.[01]\r\n/g;

export async function startHangProxy(): Promise<HangProxy> {
  let targetPort = 0;
  let paused = false;
  let requests = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    let upstream: Socket | undefined;
    const pending: Buffer[] = [];
    const count = (b: Buffer) => (requests += (b.toString('latin1').match(REQUEST_LINE) ?? []).length);
    if (!paused) {
      upstream = createConnection({ host: '127.0.0.1', port: targetPort });
      upstream.on('error', () => client.destroy());
      upstream.on('close', () => client.destroy());
      upstream.pipe(client);
    }
    client.on('data', (b: Buffer) => {
      count(b);
      if (paused || !upstream) {
        pending.push(b);
        return;
      }
      upstream.write(b);
    });
    client.on('close', () => upstream?.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: () => requests,
    open: () => sockets.size,
    target(url) {
      targetPort = Number(new URL(url).port);
    },
    pause() {
      // Requests on connections kept alive from before are read (and counted) but not forwarded either.
      paused = true;
    },
    resume() {
      paused = false;
      // Connections held while paused never get an answer (as after a long SIGSTOP): drop them.
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
