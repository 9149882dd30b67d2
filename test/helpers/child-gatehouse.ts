import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

/** A Gatehouse child process started from a fixture script, with its stdout read line by line. */
export interface ChildGatehouse {
  readonly proc: ChildProcess;
  readonly ready: Promise<{ mcpUrl: string; issuer: string }>;
  /** Resolves with the words after `prefix` on the first stdout line starting with it. */
  line(prefix: string): Promise<string[]>;
  /** Resolves once `count` stdout lines started with `prefix`. */
  lines(prefix: string, count: number): Promise<void>;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything written to stderr so far. */
  stderr(): string;
}

/** Starts `node --import tsx <script>` with only PATH and `env` in its environment; stdin is a pipe. */
export function startChildGatehouse(script: string, env: Record<string, string>, args: string[] = []): ChildGatehouse {
  const proc = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d) => (err += String(d)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const seen: string[] = [];
  const waiters: { prefix: string; resolve: (w: string[]) => void }[] = [];
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    seen.push(l);
    for (const w of waiters.filter((x) => l.startsWith(x.prefix))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(l.slice(w.prefix.length).trim().split(' '));
    }
  });
  const line = (prefix: string) =>
    new Promise<string[]>((resolve, reject) => {
      const old = seen.find((l) => l.startsWith(prefix));
      if (old !== undefined) return resolve(old.slice(prefix.length).trim().split(' '));
      waiters.push({ prefix, resolve });
      void exited.then(() => reject(new Error(`the child exited before "${prefix}": ${err}`)));
    });
  const lines = (prefix: string, count: number) =>
    new Promise<void>((resolve, reject) => {
      const check = () => seen.filter((l) => l.startsWith(prefix)).length >= count;
      if (check()) return resolve();
      const timer = setInterval(() => check() && (clearInterval(timer), resolve()), 20);
      void exited.then(() => (clearInterval(timer), reject(new Error(`the child exited before ${count} "${prefix}" lines: ${err}`))));
    });
  const ready = line('ready ').then(([mcpUrl, issuer]) => ({ mcpUrl: mcpUrl!, issuer: issuer! }));
  ready.catch(() => {});
  return { proc, ready, line, lines, exited, stderr: () => err };
}

/** A free TCP port on 127.0.0.1 (for a child that must come back on the same ports). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
