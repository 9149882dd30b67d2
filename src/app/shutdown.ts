/**
 * Graceful shutdown of the MCP port: on the first stop signal Gatehouse drains — it answers new
 * requests 503, ends approval waits with the resumable `approval_pending`, and lets the calls in
 * flight finish — for up to the drain time; then (or on a second signal) it cuts what remains: every
 * call still in the gate chain ends as `shutdown`, audited, and is answered. Only then are the
 * listener and every connection closed (and, by the caller, the stand-ins and the database).
 *
 * The port keeps listening while it drains, so that a load balancer's /readyz probe and a request
 * that reaches it anyway get an answer (503, `Retry-After`, `Connection: close`) rather than a
 * refused or reset connection; every response given while draining closes its connection.
 */
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { ShutdownError } from '../errors.js';
import { JSONRPC_ERROR, jsonRpcErrorResponse } from '../lib/jsonrpc-error.js';

/** After the cut, how long the answers of the calls that were cut may take to reach their clients. */
export const CUT_GRACE_MS = 2000;
/** Retry-After of a request refused while draining: another instance (or this one restarted) will take it. */
export const DRAINING_RETRY_AFTER_SECONDS = 5;
/** Served while draining: liveness, readiness (which reports the drain) and metrics. */
const OPERATIONS_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export const DRAINING_MESSAGE = 'Gatehouse is shutting down and takes no new requests; retry shortly (another instance, or this one once restarted, will answer). Nothing was run.';

export interface DrainReport {
  /** Requests that were in flight when the drain began. */
  readonly inFlight: number;
  /** Requests still open at the end of the drain time (or at a second signal): their tool calls are cut and audited as `shutdown`. */
  readonly cut: number;
  /** Requests still unanswered after the cut and its grace: their end may be missing from the audit log. */
  readonly unanswered: number;
}

export interface Drain {
  /** True from the first stop signal on; /readyz reports it (503 `draining`). */
  readonly draining: boolean;
  /** Aborted when draining begins: approval waits end with `approval_pending` (the approval stays open). */
  readonly stopWaiting: AbortSignal;
  /** Aborted at the cut (drain time over, or a second signal), with a ShutdownError as its reason. */
  readonly stop: AbortSignal;
  /** Requests being served now (any path). */
  readonly inFlight: number;
  /** The MCP port's request listener: counts requests and refuses new ones while draining. */
  listener(app: RequestListener): RequestListener;
  /**
   * Drains `server` for up to `drainSeconds`, or until `cutNow` resolves (a second signal); cuts what
   * remains and waits a short grace for those answers; then stops listening and closes every
   * connection. Idempotent: a second call returns the first one's report.
   */
  drain(server: Server, drainSeconds: number, cutNow?: Promise<unknown>): Promise<DrainReport>;
}

export function createDrain(): Drain {
  const waiting = new AbortController();
  const stopping = new AbortController();
  const open = new Set<ServerResponse>();
  let idle: (() => void) | undefined;
  let report: Promise<DrainReport> | undefined;

  const settled = () => {
    if (open.size === 0) idle?.();
  };
  const whenIdle = () => (open.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (idle = resolve)));

  function refuse(req: IncomingMessage, res: ServerResponse) {
    const mcp = (req.url ?? '').split('?')[0] === '/mcp';
    const body = mcp
      ? jsonRpcErrorResponse(JSONRPC_ERROR.serverError, DRAINING_MESSAGE)
      : { error: 'shutting_down', error_description: DRAINING_MESSAGE };
    res.writeHead(503, {
      'Content-Type': 'application/json',
      'Retry-After': String(DRAINING_RETRY_AFTER_SECONDS),
      'Cache-Control': 'no-store',
      Connection: 'close',
    });
    res.end(JSON.stringify(body));
    req.resume();
  }

  return {
    get draining() {
      return waiting.signal.aborted;
    },
    stopWaiting: waiting.signal,
    stop: stopping.signal,
    get inFlight() {
      return open.size;
    },

    listener(app) {
      return (req, res) => {
        const path = (req.url ?? '').split('?')[0]!;
        if (waiting.signal.aborted && !OPERATIONS_PATHS.has(path)) return refuse(req, res);
        if (waiting.signal.aborted) res.setHeader('Connection', 'close');
        open.add(res);
        res.once('close', () => {
          open.delete(res);
          settled();
        });
        app(req, res);
      };
    },

    drain(s, drainSeconds, cutNow) {
      report ??= (async () => {
        const inFlight = open.size;
        waiting.abort(new ShutdownError('The server is draining.'));
        // Answers still to come close their connection. Idle keep-alive connections stay open until the
        // end: a request a client sends on one gets the 503 rather than a connection reset mid-send.
        for (const res of open) if (!res.headersSent) res.setHeader('Connection', 'close');
        let timer: NodeJS.Timeout | undefined;
        const timeUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, drainSeconds * 1000)));
        await Promise.race([whenIdle(), timeUp, ...(cutNow ? [cutNow] : [])]);
        clearTimeout(timer);
        const cut = open.size;
        if (cut > 0) {
          stopping.abort(new ShutdownError('The server stopped before this call ended (its drain time ran out); it was cut. Check its effect before calling again.'));
          let grace: NodeJS.Timeout | undefined;
          await Promise.race([whenIdle(), new Promise<void>((resolve) => (grace = setTimeout(resolve, CUT_GRACE_MS)))]);
          clearTimeout(grace);
        }
        const unanswered = open.size;
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections();
        });
        return { inFlight, cut, unanswered };
      })();
      return report;
    },
  };
}
