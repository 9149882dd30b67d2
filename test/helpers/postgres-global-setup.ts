/**
 * Global setup of the `postgres` test project: one throwaway PostgreSQL cluster for the run (Debian's
 * binaries, see postgres.ts). Each Gatehouse the bootstrap starts gets its own empty database on it and
 * migrates it at start, as a deployment does.
 */
import type { TestProject } from 'vitest/node';
import { startTestPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** postgres://… of the cluster's maintenance database (a superuser), to create test databases. */
    postgresAdminUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const pg = await startTestPostgres();
  project.provide('postgresAdminUrl', pg.url('postgres'));
  return () => pg.stop();
}
