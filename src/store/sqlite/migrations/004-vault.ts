import type { Migration } from './index.js';

/**
 * Token Vault state. Gatehouse's own tables (`vault_*`): connect tickets (single use, bound to a sub),
 * browser connect flows (bound to a cookie) and the connected-account ids learned on completion.
 * The embedded authorization server's tables (`myaccount_*`): connected accounts with the provider
 * refresh token sealed with AES-256-GCM, and pending connect sessions. Secrets are stored hashed or sealed.
 */
export const vault: Migration = {
  id: '004-vault',
  up: `
    CREATE TABLE vault_connect_tickets (
      ticket_hash TEXT PRIMARY KEY,
      sub         TEXT NOT NULL,
      connection  TEXT NOT NULL,
      scopes      TEXT NOT NULL,
      expires_at  INTEGER NOT NULL,
      used_at     INTEGER
    );
    CREATE TABLE vault_connect_flows (
      id_hash     TEXT PRIMARY KEY,
      payload     TEXT NOT NULL,
      expires_at  INTEGER NOT NULL
    );
    CREATE TABLE vault_connections (
      sub          TEXT NOT NULL,
      connection   TEXT NOT NULL,
      account_id   TEXT NOT NULL,
      scopes       TEXT NOT NULL,
      connected_at TEXT NOT NULL,
      PRIMARY KEY (sub, connection)
    );
    CREATE TABLE myaccount_connected_accounts (
      id                TEXT PRIMARY KEY,
      user_sub          TEXT NOT NULL,
      connection        TEXT NOT NULL,
      provider_subject  TEXT NOT NULL,
      scopes            TEXT NOT NULL,
      refresh_token     TEXT NOT NULL,
      created_at        TEXT NOT NULL,
      UNIQUE (user_sub, connection)
    );
    CREATE TABLE myaccount_auth_sessions (
      id          TEXT PRIMARY KEY,
      ticket_hash TEXT NOT NULL UNIQUE,
      payload     TEXT NOT NULL,
      expires_at  INTEGER NOT NULL
    );
  `,
};
