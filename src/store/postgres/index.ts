import type { OidcModelStore } from '../ports/oidc-model-store.js';
import type { Stores } from '../stores.js';
import { createPostgresApprovalLedger } from './approval-ledger.js';
import { createPostgresAuditStore } from './audit-store.js';
import { createPostgresBudgetStore } from './budget-store.js';
import { createPostgresChunkIndex } from './chunk-index.js';
import { createPostgresConnectFlowStore } from './connect-flow-store.js';
import { createPostgresConnectTicketStore } from './connect-ticket-store.js';
import { createPostgresConnectedAccountStore } from './connected-account-store.js';
import { createPostgresPool, type PgPool, type PoolOptions } from './database.js';
import { createPostgresMerchant } from './demo-merchant.js';
import { createPostgresDocumentStore } from './document-store.js';
import { migratePostgres } from './migrate.js';
import { createPostgresOidcModelStore } from './oidc-model-store.js';
import { createPostgresRateLimitStore } from './rate-limit-store.js';
import { createPostgresSecretStore } from './secret-store.js';

export { createPostgresPool, inTransaction, type PgPool, type PoolOptions } from './database.js';
export { migratePostgres } from './migrate.js';

/** Every Store port on one PostgreSQL pool, and the embedded authorization server's models on it too. */
export interface PostgresStores extends Stores {
  readonly kind: 'postgres';
  readonly pool: PgPool;
  readonly oidcModels: OidcModelStore;
}

export interface OpenPostgresOptions extends PoolOptions {
  /** 32 bytes that seal the named secrets; kept outside the database. */
  readonly secretSealingKey: Uint8Array;
}

/** Builds every Store implementation on an existing pool (the schema must be migrated). */
export function postgresStores(pool: PgPool, options: { readonly secretSealingKey: Uint8Array }): PostgresStores {
  return {
    kind: 'postgres',
    pool,
    ping: async () => void (await pool.query('SELECT 1')),
    audit: createPostgresAuditStore(pool),
    approvals: createPostgresApprovalLedger(pool),
    budgets: createPostgresBudgetStore(pool),
    rateLimits: createPostgresRateLimitStore(pool),
    connectTickets: createPostgresConnectTicketStore(pool),
    connectFlows: createPostgresConnectFlowStore(pool),
    connectedAccounts: createPostgresConnectedAccountStore(pool),
    secrets: createPostgresSecretStore(pool, options.secretSealingKey),
    documents: createPostgresDocumentStore(pool),
    chunks: createPostgresChunkIndex(pool),
    oidcModels: createPostgresOidcModelStore(pool),
    merchant: createPostgresMerchant(pool),
    close: () => pool.end(),
  };
}

/**
 * Opens the PostgreSQL Store at `url` (postgres://…): one pool, the schema brought up to date under
 * an advisory lock (several instances may start at once), and every Store port on that pool. The pool
 * is closed again when migrating fails.
 */
export async function openPostgresStores(url: string, options: OpenPostgresOptions): Promise<PostgresStores> {
  const pool = createPostgresPool(url, options);
  try {
    await migratePostgres(pool);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  return postgresStores(pool, options);
}
