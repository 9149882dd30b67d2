import type { ApprovalLedger } from './ports/approval-ledger.js';
import type { AuditStore } from './ports/audit-store.js';
import type { BudgetStore } from './ports/budget-store.js';
import type { ChunkIndex } from './ports/chunk-index.js';
import type { ConnectFlowStore } from './ports/connect-flow-store.js';
import type { ConnectTicketStore } from './ports/connect-ticket-store.js';
import type { ConnectedAccountStore } from './ports/connected-account-store.js';
import type { DemoMerchant } from './ports/demo-merchant.js';
import type { DocumentStore } from './ports/document-store.js';
import type { RateLimitStore } from './ports/rate-limit-store.js';
import type { SecretStore } from './ports/secret-store.js';

/**
 * All of Gatehouse's own state, one Store port each, on one database: SQLite in the data dir or
 * PostgreSQL shared by several instances. The core is handed this and never asks which. (The embedded
 * stand-ins keep their own tables in the data dir's SQLite file, as a real service owns its storage.)
 */
export interface Stores {
  readonly kind: 'sqlite' | 'postgres';
  readonly audit: AuditStore;
  readonly approvals: ApprovalLedger;
  readonly budgets: BudgetStore;
  readonly rateLimits: RateLimitStore;
  readonly connectTickets: ConnectTicketStore;
  readonly connectFlows: ConnectFlowStore;
  readonly connectedAccounts: ConnectedAccountStore;
  readonly secrets: SecretStore;
  readonly documents: DocumentStore;
  readonly chunks: ChunkIndex;
  readonly merchant: DemoMerchant;
  /** One round trip to the database (the readiness probe); rejects when it cannot answer. */
  ping(signal?: AbortSignal): Promise<void>;
  /** Ends the connections (waits for queries in flight); the SQLite file is closed by its owner. */
  close(): Promise<void>;
}
