import type { Stores } from '../stores.js';
import { createSqliteApprovalLedger } from './approval-ledger.js';
import { createSqliteAuditStore } from './audit-store.js';
import { createBudgetStore } from './budget-store.js';
import { createSqliteConnectFlowStore } from './connect-flow-store.js';
import { createSqliteConnectTicketStore } from './connect-ticket-store.js';
import { createSqliteConnectedAccountStore } from './connected-account-store.js';
import type { SqliteDatabase } from './database.js';
import { sqliteMerchant } from './demo-merchant.js';
import { SqliteDocumentStore } from './document-store.js';
import { SqliteFtsIndex } from './fts-index.js';
import { createSqliteRateLimitStore } from './rate-limit-store.js';
import { createKeyFileSecretStore } from './secrets.js';

/** Every Store port on the data dir's SQLite file; named secrets are 0600 key files in `keyDir`, beside it. */
export function sqliteStores(db: SqliteDatabase, keyDir: string): Stores {
  return {
    kind: 'sqlite',
    audit: createSqliteAuditStore(db),
    approvals: createSqliteApprovalLedger(db),
    budgets: createBudgetStore(db),
    rateLimits: createSqliteRateLimitStore(db),
    connectTickets: createSqliteConnectTicketStore(db),
    connectFlows: createSqliteConnectFlowStore(db),
    connectedAccounts: createSqliteConnectedAccountStore(db),
    secrets: createKeyFileSecretStore(keyDir),
    documents: new SqliteDocumentStore(db),
    chunks: new SqliteFtsIndex(db),
    merchant: sqliteMerchant(db),
    ping: async () => void db.prepare('SELECT 1').get(),
    close: async () => undefined,
  };
}
