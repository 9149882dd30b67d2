import type { AuditLog } from './audit-log.js';

/**
 * Signs a checkpoint every `seconds` when entries were appended since the last one (the count rule
 * covers busy logs, this one quiet ones). The timer never keeps the process alive. Returns `stop`,
 * which signs a last checkpoint: call it at shutdown, before the Store closes.
 */
export function startCheckpointTimer(log: AuditLog, seconds: number, onError: (err: unknown) => void): () => void {
  const tick = () => {
    try {
      log.checkpoint();
    } catch (err) {
      onError(err);
    }
  };
  const timer = seconds > 0 ? setInterval(tick, seconds * 1000) : undefined;
  timer?.unref();
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    if (timer) clearInterval(timer);
    tick();
  };
}
