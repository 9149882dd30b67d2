import { createHash, randomBytes } from 'node:crypto';
import type { ConnectTicketStore } from '../store/ports/connect-ticket-store.js';

const TTL_SECONDS = 600;

export interface ConnectTicket {
  readonly sub: string;
  readonly connection: string;
  readonly scopes: readonly string[];
}

const hash = (t: string) => createHash('sha256').update(t).digest('base64url');

/**
 * Connect tickets: the only way into the connect web flow. A ticket is random (stored hashed), bound to
 * the verified caller's `sub`, one connection and the provider scopes to ask for; it expires after ten
 * minutes and is consumed atomically on first use.
 */
export class ConnectTickets {
  constructor(
    private readonly store: ConnectTicketStore,
    private readonly origin: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Returns the connect URL to show the user: `<origin>/connect/<connection>?ticket=…`. */
  async issue(sub: string, connection: string, scopes: readonly string[]): Promise<string> {
    const ticket = randomBytes(32).toString('base64url');
    await this.store.insert(hash(ticket), { sub, connection, scopes: [...scopes] }, this.now() + TTL_SECONDS * 1000, this.now() - 24 * 3600_000);
    const url = new URL(`/connect/${encodeURIComponent(connection)}`, this.origin);
    url.searchParams.set('ticket', ticket);
    return url.href;
  }

  /** The ticket's binding, once; undefined when unknown, expired, used, or for another connection. */
  async consume(ticket: string, connection: string): Promise<ConnectTicket | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(ticket)) return undefined;
    return this.store.consume(hash(ticket), connection, this.now());
  }
}
