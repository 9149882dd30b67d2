import type { PostgresMigration } from './index.js';

/**
 * Token Vault state kept by Gatehouse: connect tickets (single use, stored by hash, bound to a sub),
 * browser connect flows (stored by the hash of their id, payload sealed by the caller) and the
 * connected-account ids learned on completion. Never a token. Times are epoch ms.
 */
export const vault: PostgresMigration = {
  id: '003-vault',
  up: `
    CREATE TABLE vault_connect_tickets (
      ticket_hash TEXT PRIMARY KEY,
      sub         TEXT NOT NULL,
      connection  TEXT NOT NULL,
      scopes      TEXT NOT NULL,
      expires_at  BIGINT NOT NULL,
      used_at     BIGINT
    );
    CREATE INDEX vault_connect_tickets_expires_at ON vault_connect_tickets (expires_at);
    CREATE TABLE vault_connect_flows (
      id_hash     TEXT PRIMARY KEY,
      payload     TEXT NOT NULL,
      expires_at  BIGINT NOT NULL
    );
    CREATE INDEX vault_connect_flows_expires_at ON vault_connect_flows (expires_at);
    CREATE TABLE vault_connections (
      sub          TEXT NOT NULL,
      connection   TEXT NOT NULL,
      account_id   TEXT NOT NULL,
      scopes       TEXT NOT NULL,
      connected_at TEXT NOT NULL,
      PRIMARY KEY (sub, connection)
    );
  `,
};
