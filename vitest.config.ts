import { defineConfig } from 'vitest/config';

/**
 * Two projects: every test on the default Store (SQLite in the data dir), and the end-to-end suite
 * again with each Gatehouse on its own PostgreSQL database (one throwaway cluster for the run, from
 * Debian's binaries; the bootstrap refuses to start a Gatehouse that is not on it).
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'sqlite', include: ['test/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ['test/e2e/**/*.test.ts'],
          env: { TEST_STORE: 'postgres' },
          globalSetup: ['test/helpers/postgres-global-setup.ts'],
        },
      },
    ],
  },
});
