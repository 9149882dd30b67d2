import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SecretUnsealableError, type SecretStore } from '../ports/secret-store.js';
import type { PgPool } from './database.js';

/** The SecretStore port's names: plain lowercase, at most 100 characters, no `..` (as the key-file store). */
const NAME = /^[a-z0-9][a-z0-9.-]{0,99}$/;
const VERSION = 'v1';

/**
 * Named secrets shared by every instance on the database (table secrets), sealed with AES-256-GCM
 * under `sealingKey` (32 bytes), which is not kept in the database: a copy of the database is not a
 * copy of the keys. The secret's name is bound into each seal (a row moved to another name does not
 * open). Concurrent first uses agree on the first row stored. A row that does not open under the key
 * (another key, or altered) is an error that names the secret, never its value.
 */
export function createPostgresSecretStore(pool: PgPool, sealingKey: Uint8Array): SecretStore {
  if (sealingKey.length !== 32) throw new TypeError('the sealing key of the PostgreSQL secret store must be 32 bytes');
  const key = Buffer.from(sealingKey);
  const read = async (name: string) => (await pool.query<{ sealed: string }>('SELECT sealed FROM secrets WHERE name = $1', [name])).rows[0]?.sealed;
  return {
    async get(name, generate = randomSecret) {
      if (!NAME.test(name) || name.includes('..')) throw new TypeError(`secret name "${name}" is not a plain lowercase name`);
      let sealed = await read(name);
      if (sealed === undefined) {
        const value = generate();
        await pool.query('INSERT INTO secrets (name, sealed, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING', [name, seal(key, name, value), new Date().toISOString()]);
        sealed = await read(name);
        if (sealed === undefined) throw new Error(`secret "${name}" was removed while it was being created`);
      }
      return open(key, name, sealed);
    },
  };
}

function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

const aad = (name: string) => Buffer.from(`gatehouse-secret:${name}`, 'utf8');

function seal(key: Buffer, name: string, value: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad(name));
  const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

function open(key: Buffer, name: string, sealed: string): string {
  const [version, iv, body, tag, ...rest] = sealed.split('.');
  try {
    if (version !== VERSION || iv === undefined || body === undefined || tag === undefined || rest.length) throw new Error('malformed');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: 16 }).setAAD(aad(name));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretUnsealableError(`secret "${name}" in the database does not open with the configured sealing key (another key, or the row was altered)`);
  }
}
