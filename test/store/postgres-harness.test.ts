import { existsSync } from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { findPostgresBinaries, MISSING_POSTGRES, startTestPostgres } from '../helpers/postgres.js';

// The throwaway PostgreSQL of the Store tests: missing binaries fail loudly (never a skip), and a
// stopped cluster leaves no directory and no server behind.

describe('test PostgreSQL cluster', () => {
  it('fails with an install hint when no server binaries are found', async () => {
    await expect(startTestPostgres({ findBinaries: () => undefined })).rejects.toThrow(MISSING_POSTGRES);
    expect(MISSING_POSTGRES).toContain("install Debian's `postgresql`");
  });

  it('finds the binaries of this machine, serves a fresh database, and leaves nothing behind when stopped', async () => {
    expect(findPostgresBinaries()).toMatch(/\/bin$/);
    const server = await startTestPostgres();
    const url = await server.createMigratedDatabase();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    expect((await client.query<{ n: string }>('SELECT count(*) AS n FROM schema_migrations')).rows[0]!.n).not.toBe('0');
    expect((await client.query<{ user: string }>('SELECT current_user AS user')).rows[0]!.user).toBe('gatehouse');
    await client.end();
    expect(existsSync(server.dir)).toBe(true);
    await server.stop();
    expect(existsSync(server.dir)).toBe(false);
    const late = new pg.Client({ connectionString: url });
    await expect(late.connect()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
