import type { ConnectTicketStore, TicketBinding } from '../ports/connect-ticket-store.js';
import type { PgPool } from './database.js';

/** Connect tickets in PostgreSQL (table vault_connect_tickets); consume is one conditional UPDATE. */
export function createPostgresConnectTicketStore(pool: PgPool): ConnectTicketStore {
  return {
    async insert(ticketHash, b, expiresAt, pruneBefore) {
      await pool.query('DELETE FROM vault_connect_tickets WHERE expires_at < $1', [pruneBefore]);
      await pool.query('INSERT INTO vault_connect_tickets (ticket_hash, sub, connection, scopes, expires_at) VALUES ($1, $2, $3, $4, $5)', [
        ticketHash,
        b.sub,
        b.connection,
        JSON.stringify([...b.scopes]),
        expiresAt,
      ]);
    },
    async consume(ticketHash, connection, now): Promise<TicketBinding | undefined> {
      const row = (
        await pool.query<{ sub: string; connection: string; scopes: string }>(
          'UPDATE vault_connect_tickets SET used_at = $1 WHERE ticket_hash = $2 AND connection = $3 AND used_at IS NULL AND expires_at >= $1 RETURNING sub, connection, scopes',
          [now, ticketHash, connection],
        )
      ).rows[0];
      if (!row) return undefined;
      const scopes: unknown = JSON.parse(row.scopes);
      if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string')) throw new TypeError('vault_connect_tickets: stored scopes are not a list of strings');
      return { sub: row.sub, connection: row.connection, scopes };
    },
  };
}
