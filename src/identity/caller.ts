/**
 * Who is calling: built only from a verified access token, never from tool arguments.
 * `kind: 'client'` is a machine (client-credentials token, no end user).
 */
export interface Caller {
  readonly kind: 'user' | 'client';
  readonly sub: string;
  readonly clientId: string;
  readonly orgId?: string | undefined;
  readonly scopes: readonly string[];
  /** Auth0 RBAC `permissions` claim, when the API enables it. */
  readonly permissions: readonly string[];
  readonly issuer: string;
  /** Seconds since the epoch. */
  readonly expiresAt: number;
}

const RAW = Symbol('bearer');

/**
 * The caller's bearer token, kept out of reach of logs, JSON and tools. Only the gates that must
 * present it to the authorization server that issued it (Token Vault exchange) call `reveal()`.
 */
export class BearerCredential {
  private readonly [RAW]: string;
  constructor(token: string) {
    this[RAW] = token;
  }
  reveal(): string {
    return this[RAW];
  }
  toJSON(): string {
    return '[redacted]';
  }
  toString(): string {
    return '[redacted]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'BearerCredential([redacted])';
  }
}
