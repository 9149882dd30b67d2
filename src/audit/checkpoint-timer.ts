import type { AuditLog } from './audit-log.js';

/**
 * Signs a checkpoint every `seconds` when entries were appended since the last one (the count rule
 * covers busy logs, this one quiet ones). The timer never keeps the process alive, and a tick waits for
 * the one before it. Returns `stop`, which waits for a tick in progress and then signs a last
 * checkpoint; it resolves once that one is stored: await it at shutdown, before the Store closes.
 */
export function startCheckpointTimer(log: AuditLog, seconds: number, onError: (err: unknown) => void): () => Promise<void> {
  let running: Promise<void> = Promise.resolve();
  const tick = (): Promise<void> =>
    (running = running.then(async () => {
      try {
        await log.checkpoint();
      } catch (err) {
        onError(err);
      }
    }));
  const timer = seconds > 0 ? setInterval(() => void tick(), seconds * 1000) : undefined;
  timer?.unref();
  let stopped: Promise<void> | undefined;
  return () => {
    if (!stopped) {
      if (timer) clearInterval(timer);
      stopped = tick();
    }
    return stopped;
  };
}
