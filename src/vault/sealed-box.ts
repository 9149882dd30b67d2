import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SecretStore } from '../store/ports/secret-store.js';

const VERSION = 'v1';

/**
 * AES-256-GCM for secrets at rest (provider refresh tokens, in-flight connect state). A sealed value is
 * `v1.<iv>.<ciphertext>.<tag>` (base64url); `context` is bound as additional data, so a value sealed for
 * one row cannot be replayed into another.
 */
export class SealedBox {
  private readonly key: Buffer;
  constructor(key: string) {
    const raw = Buffer.from(key, 'base64url');
    if (raw.length !== 32) throw new TypeError('SealedBox: the key must be 32 bytes in base64url');
    this.key = raw;
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  /** Throws on a wrong key, a tampered value or a different context. */
  open(sealed: string, context: string): string {
    const [version, iv, body, tag] = sealed.split('.');
    if (version !== VERSION || !iv || body === undefined || !tag) throw new Error('sealed value: unknown format');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}

/**
 * The configured key (GATEHOUSE_VAULT_KEY), or the secret `vault.encryption-key` generated on first
 * start (in the SQLite deployment a 0600 key file beside the database whose values it seals, never inside it).
 */
export async function loadVaultKey(secrets: SecretStore, configured: string | undefined): Promise<string> {
  return configured ?? secrets.get('vault.encryption-key', () => randomBytes(32).toString('base64url'));
}
