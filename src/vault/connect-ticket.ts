import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { SqliteDatabase } from '../store/sqlite/database.js';

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
    private readonly db: SqliteDatabase,
    private readonly origin: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Returns the connect URL to show the user: `<origin>/connect/<connection>?ticket=…`. */
  issue(sub: string, connection: string, scopes: readonly string[]): string {
    const ticket = randomBytes(32).toString('base64url');
    this.db.prepare('DELETE FROM vault_connect_tickets WHERE expires_at < ?').run(this.now() - 24 * 3600_000);
    this.db
      .prepare('INSERT INTO vault_connect_tickets (ticket_hash, sub, connection, scopes, expires_at) VALUES (?, ?, ?, ?, ?)')
      .run(hash(ticket), sub, connection, JSON.stringify([...scopes]), this.now() + TTL_SECONDS * 1000);
    const url = new URL(`/connect/${encodeURIComponent(connection)}`, this.origin);
    url.searchParams.set('ticket', ticket);
    return url.href;
  }

  /** The ticket's binding, once; undefined when unknown, expired, used, or for another connection. */
  consume(ticket: string, connection: string): ConnectTicket | undefined {
    if (!/^[A-Za-z0-9_-]{43}$/.test(ticket)) return undefined;
    const h = hash(ticket);
    const used = this.db
      .prepare('UPDATE vault_connect_tickets SET used_at = ? WHERE ticket_hash = ? AND connection = ? AND used_at IS NULL AND expires_at >= ?')
      .run(this.now(), h, connection, this.now());
    if (used.changes !== 1) return undefined;
    const row = this.db.prepare('SELECT sub, connection, scopes FROM vault_connect_tickets WHERE ticket_hash = ?').get(h) as { sub: string; connection: string; scopes: string };
    return { sub: row.sub, connection: row.connection, scopes: z.array(z.string()).parse(JSON.parse(row.scopes)) };
  }
}
