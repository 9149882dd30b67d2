/**
 * The embedded FGA API's preshared key: the configured keys (GATEHOUSE_FGA_API_KEY or `--api-key`)
 * when given, else one generated on first start into `<dataDir>/keys/fga-api.key` (0600, in a 0700
 * directory, apart from the database) and reused afterwards. Gatehouse itself sends the first key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readOrCreatePrivateFile, restrictFile } from '../../lib/private-file.js';

export interface FgaApiKeys {
  /** Every accepted key; the first is the one Gatehouse's own clients send. */
  readonly keys: readonly string[];
  /** Where the key is kept, when it was generated rather than configured. */
  readonly file?: string;
}

export function fgaApiKeyFile(dataDir: string): string {
  return join(dataDir, 'keys', 'fga-api.key');
}

/** The configured keys, or the data dir's key file (created with 32 random bytes, base64url, on first use). */
export function resolveFgaApiKeys(dataDir: string, configured?: readonly string[]): FgaApiKeys {
  if (configured?.length) return { keys: [...configured] };
  const file = fgaApiKeyFile(dataDir);
  const key = readOrCreatePrivateFile(file, () => randomBytes(32).toString('base64url'));
  if (!key) throw new Error(`the embedded FGA API key file ${file} is empty: delete it to have a new key generated`);
  return { keys: [key], file };
}

/** The key a running server generated into `dataDir`, for a client of its API; undefined when there is none. */
export function readFgaApiKeyFile(dataDir: string): string | undefined {
  const file = fgaApiKeyFile(dataDir);
  if (!existsSync(file)) return undefined;
  restrictFile(file);
  return readFileSync(file, 'utf8').trim() || undefined;
}
