import type { ConnectTicketStore, TicketBinding } from '../ports/connect-ticket-store.js';
import type { SqliteDatabase } from './database.js';

/** Connect tickets in the SQLite Store (table vault_connect_tickets); consume is one conditional UPDATE. */
export function createSqliteConnectTicketStore(db: SqliteDatabase): ConnectTicketStore {
  const prune = db.prepare('DELETE FROM vault_connect_tickets WHERE expires_at < ?');
  const insert = db.prepare('INSERT INTO vault_connect_tickets (ticket_hash, sub, connection, scopes, expires_at) VALUES (?, ?, ?, ?, ?)');
  const consume = db.prepare(
    'UPDATE vault_connect_tickets SET used_at = ? WHERE ticket_hash = ? AND connection = ? AND used_at IS NULL AND expires_at >= ? RETURNING sub, connection, scopes',
  );
  return {
    async insert(ticketHash, b, expiresAt, pruneBefore) {
      prune.run(pruneBefore);
      insert.run(ticketHash, b.sub, b.connection, JSON.stringify([...b.scopes]), expiresAt);
    },
    async consume(ticketHash, connection, now): Promise<TicketBinding | undefined> {
      const row = consume.get(now, ticketHash, connection, now) as { sub: string; connection: string; scopes: string } | undefined;
      if (!row) return undefined;
      const scopes: unknown = JSON.parse(row.scopes);
      if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string')) throw new TypeError('vault_connect_tickets: stored scopes are not a list of strings');
      return { sub: row.sub, connection: row.connection, scopes };
    },
  };
}
