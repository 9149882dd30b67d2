import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresPool, type PgPool } from '../../src/store/postgres/database.js';
import { createPostgresSecretStore } from '../../src/store/postgres/secret-store.js';
import { SecretUnsealableError } from '../../src/store/ports/secret-store.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';

// Secrets in the PostgreSQL Store are sealed under a key kept outside the database: someone holding
// the database (a dump, a replica, a read-only role) learns no secret, and rows tampered with or moved
// to another name do not open. Written from the side of that someone.

let server: TestPostgres;
let pool: PgPool;
beforeAll(async () => {
  server = await startTestPostgres();
  pool = createPostgresPool(await server.createMigratedDatabase(), { max: 2 });
});
afterAll(async () => {
  await pool?.end();
  await server?.stop();
});

const dump = async () => JSON.stringify((await pool.query('SELECT * FROM secrets')).rows);

describe('PostgreSQL secret store at rest', () => {
  const key = randomBytes(32);

  it('a copy of the table holds no secret, neither its text nor its base64url bytes', async () => {
    const secrets = createPostgresSecretStore(pool, key);
    const generated = await secrets.get('vault.encryption-key');
    const chosen = await secrets.get('authserver.signing-key', () => '{"kty":"EC","d":"private-part-of-the-key"}');
    const rows = await dump();
    expect(rows).toContain('vault.encryption-key');
    expect(rows).not.toContain(generated);
    expect(rows).not.toContain('private-part-of-the-key');
    expect(rows).not.toContain(Buffer.from(chosen).toString('base64url').slice(0, 16));
  });

  it('another key does not open the rows, and the error names the secret, never its value', async () => {
    const value = await createPostgresSecretStore(pool, key).get('cookie.key-1');
    const attacker = createPostgresSecretStore(pool, randomBytes(32));
    const err = await attacker.get('cookie.key-1').catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(SecretUnsealableError);
    expect((err as Error).message).toBe('secret "cookie.key-1" in the database does not open with the configured sealing key (another key, or the row was altered)');
    expect((err as Error).message).not.toContain(value);
  });

  it('a sealed value copied onto another name, or with a shortened tag, does not open', async () => {
    const secrets = createPostgresSecretStore(pool, key);
    await secrets.get('client.secret-a', () => 'attacker-known-value');
    await secrets.get('client.secret-b', () => 'real-secret-value');
    await pool.query("UPDATE secrets SET sealed = (SELECT sealed FROM secrets WHERE name = 'client.secret-a') WHERE name = 'client.secret-b'");
    await expect(secrets.get('client.secret-b')).rejects.toThrow('secret "client.secret-b" in the database does not open');
    await secrets.get('client.secret-c', () => 'another-value');
    const sealed = (await pool.query<{ sealed: string }>("SELECT sealed FROM secrets WHERE name = 'client.secret-c'")).rows[0]!.sealed;
    const parts = sealed.split('.');
    parts[3] = parts[3]!.slice(0, 6); // a 4-byte tag
    await pool.query("UPDATE secrets SET sealed = $1 WHERE name = 'client.secret-c'", [parts.join('.')]);
    await expect(secrets.get('client.secret-c')).rejects.toThrow('secret "client.secret-c" in the database does not open');
  });

  it('refuses a sealing key that is not 32 bytes', () => {
    expect(() => createPostgresSecretStore(pool, randomBytes(16))).toThrow(new TypeError('the sealing key of the PostgreSQL secret store must be 32 bytes'));
  });

  it('concurrent first uses on several pools agree on one value', async () => {
    const url = await server.createMigratedDatabase();
    const pools = [createPostgresPool(url, { max: 2 }), createPostgresPool(url, { max: 2 }), createPostgresPool(url, { max: 2 })];
    try {
      const values = await Promise.all(pools.flatMap((p) => [0, 1].map(() => createPostgresSecretStore(p, key).get('shared.key'))));
      expect(new Set(values).size).toBe(1);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });
});
