/**
 * Named secrets generated once per deployment (signing keys, cookie keys, client secrets, encryption
 * keys). Names are plain lowercase (`[a-z0-9][a-z0-9.-]*`, at most 100 characters, no `..`).
 */
export interface SecretStore {
  /**
   * The secret `name`; on first use `generate()` makes it (default: 32 random bytes, base64url) and it
   * is kept. Every caller, in this process or another on the same Store, gets the first value stored.
   * A name that is not plain throws a TypeError and stores nothing.
   */
  get(name: string, generate?: () => string): Promise<string>;
}

/** A stored secret that does not open under this Store's sealing key (another key, or an altered row); names the secret, never its value. */
export class SecretUnsealableError extends Error {
  override name = 'SecretUnsealableError';
}
