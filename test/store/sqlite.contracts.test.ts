import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteApprovalLedger } from '../../src/store/sqlite/approval-ledger.js';
import { createSqliteAuditStore } from '../../src/store/sqlite/audit-store.js';
import { createBudgetStore } from '../../src/store/sqlite/budget-store.js';
import { createSqliteConnectFlowStore } from '../../src/store/sqlite/connect-flow-store.js';
import { createSqliteConnectTicketStore } from '../../src/store/sqlite/connect-ticket-store.js';
import { createSqliteConnectedAccountStore } from '../../src/store/sqlite/connected-account-store.js';
import { sqliteMerchant } from '../../src/store/sqlite/demo-merchant.js';
import { keyDirFor, openDatabase, type SqliteDatabase } from '../../src/store/sqlite/database.js';
import { SqliteDocumentStore } from '../../src/store/sqlite/document-store.js';
import { SqliteFtsIndex } from '../../src/store/sqlite/fts-index.js';
import { createSqliteOidcModelStore } from '../../src/store/sqlite/oidc-model-store.js';
import { createSqliteRateLimitStore } from '../../src/store/sqlite/rate-limit-store.js';
import { createKeyFileSecretStore } from '../../src/store/sqlite/secrets.js';
import { describeApprovalLedgerContract } from './contracts/approval-ledger.contract.js';
import { describeAuditStoreContract } from './contracts/audit-store.contract.js';
import { describeBudgetStoreContract } from './contracts/budget-store.contract.js';
import { describeConnectFlowStoreContract } from './contracts/connect-flow-store.contract.js';
import { describeConnectTicketStoreContract } from './contracts/connect-ticket-store.contract.js';
import { describeConnectedAccountStoreContract } from './contracts/connected-account-store.contract.js';
import { describeDemoMerchantContract } from './contracts/demo-merchant.contract.js';
import { describeDocumentStoreContract } from './contracts/document-store.contract.js';
import { describeOidcModelStoreContract } from './contracts/oidc-model-store.contract.js';
import { describeRateLimitStoreContract } from './contracts/rate-limit-store.contract.js';
import { describeSecretStoreContract } from './contracts/secret-store.contract.js';
import type { StoreFixture } from './contracts/fixture.js';

// Every Store port's contract, run against the SQLite implementation. Each fixture is a fresh database
// file; `other()` opens a second connection to it, as a second process would.

function sqliteFixture<T>(make: (db: SqliteDatabase, file: string) => T): () => StoreFixture<T> {
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-contract-'));
    const file = join(dir, 'gatehouse.db');
    const dbs = [openDatabase(file)];
    return {
      store: make(dbs[0]!, file),
      other: () => {
        const db = openDatabase(file);
        dbs.push(db);
        return make(db, file);
      },
      close: () => {
        for (const db of dbs) db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  };
}

describeAuditStoreContract('SQLite', sqliteFixture(createSqliteAuditStore));
describeApprovalLedgerContract('SQLite', sqliteFixture(createSqliteApprovalLedger));
describeBudgetStoreContract('SQLite', sqliteFixture(createBudgetStore));
describeRateLimitStoreContract(
  'SQLite',
  sqliteFixture((db) => ({ limits: createSqliteRateLimitStore(db), rows: async () => (db.prepare('SELECT count(*) AS n FROM rate_limit_hits').get() as { n: number }).n })),
);
describeConnectTicketStoreContract('SQLite', sqliteFixture(createSqliteConnectTicketStore));
describeConnectFlowStoreContract('SQLite', sqliteFixture(createSqliteConnectFlowStore));
describeConnectedAccountStoreContract('SQLite', sqliteFixture(createSqliteConnectedAccountStore));
describeSecretStoreContract('key files', sqliteFixture((_db, file) => createKeyFileSecretStore(keyDirFor(file))));
describeDocumentStoreContract('SQLite', sqliteFixture((db) => ({ docs: new SqliteDocumentStore(db), index: new SqliteFtsIndex(db) })));
describeOidcModelStoreContract('SQLite', sqliteFixture(createSqliteOidcModelStore));
describeDemoMerchantContract('SQLite', sqliteFixture(sqliteMerchant));
