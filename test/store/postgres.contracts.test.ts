import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { createPostgresApprovalLedger } from '../../src/store/postgres/approval-ledger.js';
import { createPostgresAuditStore } from '../../src/store/postgres/audit-store.js';
import { createPostgresBudgetStore } from '../../src/store/postgres/budget-store.js';
import { createPostgresChunkIndex } from '../../src/store/postgres/chunk-index.js';
import { createPostgresConnectFlowStore } from '../../src/store/postgres/connect-flow-store.js';
import { createPostgresConnectTicketStore } from '../../src/store/postgres/connect-ticket-store.js';
import { createPostgresConnectedAccountStore } from '../../src/store/postgres/connected-account-store.js';
import { createPostgresPool, type PgPool } from '../../src/store/postgres/database.js';
import { createPostgresMerchant } from '../../src/store/postgres/demo-merchant.js';
import { createPostgresDocumentStore } from '../../src/store/postgres/document-store.js';
import { createPostgresOidcModelStore } from '../../src/store/postgres/oidc-model-store.js';
import { createPostgresRateLimitStore } from '../../src/store/postgres/rate-limit-store.js';
import { createPostgresSecretStore } from '../../src/store/postgres/secret-store.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { describeApprovalLedgerContract } from './contracts/approval-ledger.contract.js';
import { describeAuditStoreContract } from './contracts/audit-store.contract.js';
import { describeBudgetStoreContract } from './contracts/budget-store.contract.js';
import { describeConnectFlowStoreContract } from './contracts/connect-flow-store.contract.js';
import { describeConnectTicketStoreContract } from './contracts/connect-ticket-store.contract.js';
import { describeConnectedAccountStoreContract } from './contracts/connected-account-store.contract.js';
import { describeDemoMerchantContract } from './contracts/demo-merchant.contract.js';
import { describeDocumentStoreContract } from './contracts/document-store.contract.js';
import type { StoreFixture } from './contracts/fixture.js';
import { describeOidcModelStoreContract } from './contracts/oidc-model-store.contract.js';
import { describeRateLimitStoreContract } from './contracts/rate-limit-store.contract.js';
import { describeSecretStoreContract } from './contracts/secret-store.contract.js';

// Every Store port's contract, run against the PostgreSQL implementation on a throwaway cluster
// (test/helpers/postgres.ts). Each fixture is a fresh database made from the migrated template;
// `other()` opens a second pool on it, as a second instance would.

let server: TestPostgres;
beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(() => server?.stop());

/**
 * The fixture's database is created on first use (inside the test), so `makeStore` stays synchronous.
 * `max`: connections per pool (small pools expose a connection a store forgets to give back).
 */
function postgresFixture<T>(make: (pool: PgPool) => T, max = 4): () => StoreFixture<T> {
  return () => {
    const url = server.createMigratedDatabase();
    const pools: PgPool[] = [];
    const lazyPool = (): PgPool => {
      // a pool whose first query waits for the database to exist
      const pending = url.then((u) => createPostgresPool(u, { max }));
      const proxy = {
        query: async (...args: unknown[]) => ((await pending).query as (...a: unknown[]) => unknown)(...args),
        connect: async () => (await pending).connect(),
        end: async () => (await pending).end(),
      };
      pools.push(proxy as unknown as PgPool);
      return proxy as unknown as PgPool;
    };
    return {
      store: make(lazyPool()),
      other: () => make(lazyPool()),
      close: async () => {
        await Promise.all(pools.map((p) => p.end()));
        await server.dropDatabase(await url);
      },
    };
  };
}

const sealingKey = randomBytes(32);

describeAuditStoreContract('PostgreSQL', postgresFixture(createPostgresAuditStore, 2));
describeApprovalLedgerContract('PostgreSQL', postgresFixture(createPostgresApprovalLedger));
describeBudgetStoreContract('PostgreSQL', postgresFixture(createPostgresBudgetStore));
describeRateLimitStoreContract(
  'PostgreSQL',
  postgresFixture((pool) => ({ limits: createPostgresRateLimitStore(pool), rows: async () => Number((await pool.query<{ n: number }>('SELECT count(*) AS n FROM rate_limit_hits')).rows[0]!.n) })),
);
describeConnectTicketStoreContract('PostgreSQL', postgresFixture(createPostgresConnectTicketStore));
describeConnectFlowStoreContract('PostgreSQL', postgresFixture(createPostgresConnectFlowStore));
describeConnectedAccountStoreContract('PostgreSQL', postgresFixture(createPostgresConnectedAccountStore));
describeSecretStoreContract('PostgreSQL (sealed)', postgresFixture((pool) => createPostgresSecretStore(pool, sealingKey)));
describeDocumentStoreContract('PostgreSQL', postgresFixture((pool) => ({ docs: createPostgresDocumentStore(pool), index: createPostgresChunkIndex(pool) })));
describeOidcModelStoreContract('PostgreSQL', postgresFixture(createPostgresOidcModelStore));
describeDemoMerchantContract('PostgreSQL', postgresFixture(createPostgresMerchant));
