import { assemble } from './app/assemble.js';
import type { ApprovalHooks } from './approvals/await-approval.js';
import type { AuditLog } from './audit/audit-log.js';
import type { Config } from './config.js';
import type { EmbeddedAuthServer } from './embedded/authserver/index.js';
import type { EmbeddedFga } from './embedded/fga/index.js';
import type { DemoProviders } from './embedded/providers/index.js';
import type { Authorizer } from './fga/authorizer.js';
import { createLogger, type Logger } from './log.js';
import type { RetrieverOptions } from './rag/authorized-retriever.js';
import type { Documents } from './rag/documents.js';
import type { SqliteDatabase } from './store/sqlite/database.js';
import type { Stores } from './store/stores.js';
import type { AnyTool } from './tools/define.js';
import { resolveBackends } from './app/resolve-backends.js';
import { createDrain, type DrainReport } from './app/shutdown.js';
import { startTracing } from './app/tracing.js';

export { DEMO_STORE_FILE } from './app/resolve-backends.js';
export type { DrainReport } from './app/shutdown.js';

export const VERSION = '0.1.0';

export interface GatehouseOptions {
  readonly logger?: Logger;
  /** Replace the built-in catalogue (tests, or a team's own tools built with defineTool). */
  readonly tools?: readonly AnyTool[];
  /** Add a team's own tools (built with defineTool) to the built-in catalogue. */
  readonly extraTools?: readonly AnyTool[];
  /** The clock FGA conditions see (time-limited grants); tests freeze or advance it. */
  readonly now?: () => Date;
  /** The clock access-token `exp`/`nbf` checks and the verified-token cache see; tests freeze or advance it. */
  readonly tokenNow?: () => Date;
  /** Retrieval planner knobs (tests force the ListObjects cap small to exercise post-filtering). */
  readonly retrieval?: RetrieverOptions;
  /** Test-only pause points in the approval flow (crash tests); never set from configuration. */
  readonly approvalHooks?: ApprovalHooks;
}

export interface Gatehouse {
  readonly mcpUrl: string;
  readonly issuer: string;
  readonly audience: string;
  /** The data dir's SQLite file: the whole Store by default; with PostgreSQL, only the embedded stand-ins' tables (absent when none runs). */
  readonly db: SqliteDatabase | undefined;
  /** Every Store port, on SQLite or PostgreSQL. */
  readonly stores: Stores;
  readonly audit: AuditLog;
  readonly authServer?: EmbeddedAuthServer;
  /** The embedded demo third-party provider ("Google"), in embedded mode. */
  readonly providers?: DemoProviders;
  readonly fga?: EmbeddedFga;
  readonly authorizer: Authorizer;
  readonly documents: Documents;
  /** True once shutdown began: /mcp answers 503, /readyz reports the drain. */
  readonly draining: boolean;
  /**
   * Graceful stop: drain (new requests 503, approval waits answered `approval_pending`, calls in flight
   * finish) for up to GATEHOUSE_DRAIN_SECONDS or until `cutNow` resolves (a second signal), cut and
   * audit what remains as `shutdown`, then close the listener, the stand-ins and the database last.
   */
  shutdown(cutNow?: Promise<unknown>): Promise<DrainReport>;
  /** Stops everything at once (no drain): calls in flight are dropped. */
  close(): Promise<void>;
}

/**
 * The composition root: `resolveBackends` decides and starts what each concern runs on (the only
 * place that knows whether it is embedded or remote), `assemble` builds the server on top; on
 * failure everything started is stopped in reverse. Internal: it hands back the database and the
 * stand-ins' handles (for the CLI and tests); the package's `startGatehouse` (src/server.ts) exposes
 * only the URLs and `close()`.
 */
export async function startGatehouse(config: Config, opts: GatehouseOptions = {}): Promise<Gatehouse> {
  const tracing = await startTracing(config.tracing, VERSION);
  let backends;
  try {
    backends = await resolveBackends(config, opts.logger ?? createLogger(config.logLevel));
  } catch (e) {
    await tracing?.shutdown();
    throw e;
  }
  const drain = createDrain();
  let gh;
  try {
    gh = await assemble(backends, opts, VERSION, drain);
  } catch (e) {
    await backends.close();
    await tracing?.shutdown();
    throw e;
  }
  let stopped: Promise<DrainReport> | undefined;
  const shutdown = (cutNow?: Promise<unknown>) =>
    (stopped ??= (async () => {
      const { logger } = backends;
      logger.info({ inFlight: drain.inFlight, drainSeconds: config.server.drainSeconds }, 'draining');
      const report = await drain.drain(backends.http, config.server.drainSeconds, cutNow);
      if (report.cut > 0) logger.warn(report, 'drain time over: calls cut');
      // Signs the final audit checkpoint (after the last call's entry), then closes the stand-ins and the database last.
      await assembled.close();
      await stopTracing();
      logger.info(report, 'gatehouse stopped');
      return report;
    })());
  const assembled = gh;
  /** Flushes the spans still buffered (an unreachable collector only loses them; the stop goes on). */
  const stopTracing = () => tracing?.shutdown().catch((err: unknown) => backends.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'trace export failed at shutdown'));
  return {
    ...gh,
    async close() {
      await assembled.close();
      await stopTracing();
    },
    get draining() {
      return drain.draining;
    },
    shutdown,
  };
}
