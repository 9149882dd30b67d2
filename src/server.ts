/**
 * `gatehouse/server`: run Gatehouse in your own process with your own tools. Only what a user of the
 * package needs is exposed here; the composition root's internals (database, stand-in handles) stay
 * behind `close()`.
 */
import { startGatehouse as startComposition } from './app.js';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import type { AnyTool } from './tools/define.js';

export { loadConfig, ConfigError, type Config } from './config.js';
export type { Logger } from './log.js';

export interface GatehouseOptions {
  /** A pino logger; one at the configured level is made when absent. */
  readonly logger?: Logger | undefined;
  /** Replace the built-in catalogue with these tools (built with `defineTool`). */
  readonly tools?: readonly AnyTool[] | undefined;
  /** Add your own tools (built with `defineTool`) to the built-in catalogue. */
  readonly extraTools?: readonly AnyTool[] | undefined;
}

/** A running Gatehouse. */
export interface Gatehouse {
  /** The MCP endpoint (Streamable HTTP), e.g. `http://127.0.0.1:8787/mcp`. */
  readonly mcpUrl: string;
  /** The authorization server whose access tokens the endpoint accepts. */
  readonly issuer: string;
  /** The audience those tokens must carry. */
  readonly audience: string;
  /** True once `shutdown()` began: new requests get 503 (a readiness probe should fail now). */
  readonly draining: boolean;
  /**
   * Graceful stop, what `gatehouse serve` does on SIGTERM: new requests get 503, calls waiting for an
   * approval answer `approval_pending` (resumable), calls in flight may finish for up to
   * GATEHOUSE_DRAIN_SECONDS (or until `cutNow` resolves, e.g. on a second signal); what remains is cut
   * and audited as `shutdown`; then every server it started is stopped, the database last.
   */
  shutdown(cutNow?: Promise<unknown>): Promise<ShutdownReport>;
  /** Stop every server it started, in reverse order, at once (calls in flight are dropped). */
  close(): Promise<void>;
}

/** How a graceful shutdown went. */
export interface ShutdownReport {
  /** Requests in flight when it began. */
  readonly inFlight: number;
  /** Requests still open when the drain time ran out (or `cutNow` resolved): their tool calls are cut and audited as `shutdown`. */
  readonly cut: number;
  /** Requests still unanswered after the cut: their end may be missing from the audit log. */
  readonly unanswered: number;
}

/**
 * Start Gatehouse from a validated configuration (`loadConfig(process.env)`): with no production
 * settings it starts the embedded stand-ins on loopback, as `gatehouse serve` does.
 */
export async function startGatehouse(config: Config, options: GatehouseOptions = {}): Promise<Gatehouse> {
  const gh = await startComposition(config, {
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.tools ? { tools: options.tools } : {}),
    ...(options.extraTools ? { extraTools: options.extraTools } : {}),
  });
  return Object.freeze({
    mcpUrl: gh.mcpUrl,
    issuer: gh.issuer,
    audience: gh.audience,
    get draining() {
      return gh.draining;
    },
    shutdown: (cutNow?: Promise<unknown>) => gh.shutdown(cutNow),
    close: () => gh.close(),
  });
}
