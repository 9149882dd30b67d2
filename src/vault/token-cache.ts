/** One exchanged provider token, never kept past its `expires_in`. */
export interface CachedToken {
  readonly accessToken: string;
  readonly scopes: readonly string[];
  readonly expiresAt: number;
}

const MAX_ENTRIES = 10_000;
/** Tokens are dropped this long before they expire (at most a tenth of their lifetime). */
const MARGIN_MS = 60_000;

/**
 * The per-(caller sub, connection, scopes) cache of exchanged provider tokens. Keys always include the
 * verified caller's `sub`, so one user's entry can never answer another's call. In memory only.
 */
export class ProviderTokenCache {
  private readonly entries = new Map<string, CachedToken>();
  constructor(private readonly now: () => number = Date.now) {}

  static key(sub: string, connection: string, scopes: readonly string[]): string {
    return JSON.stringify([sub, connection, [...new Set(scopes)].sort()]);
  }

  get(key: string): CachedToken | undefined {
    const e = this.entries.get(key);
    if (e && e.expiresAt > this.now()) return e;
    if (e) this.entries.delete(key);
    return undefined;
  }

  /** `requestedAt` is when the exchange was sent: the lifetime counts from then, not from the answer. */
  set(key: string, token: { accessToken: string; scopes: readonly string[]; expiresIn?: number }, requestedAt: number): void {
    if (!token.expiresIn || token.expiresIn <= 0) return;
    const lifetime = token.expiresIn * 1000;
    const expiresAt = requestedAt + lifetime - Math.min(MARGIN_MS, lifetime / 10);
    if (expiresAt <= this.now()) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { accessToken: token.accessToken, scopes: token.scopes, expiresAt });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
