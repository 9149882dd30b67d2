import type { PostgresMigration } from './index.js';

/**
 * The authorization server's models (oidc-provider adapter): one row per stored artefact, keyed by
 * model name and id (a hash for credential-like models). `expires_at` is epoch ms, `consumed_at` epoch s.
 */
export const authserver: PostgresMigration = {
  id: '002-authserver',
  up: `
    CREATE TABLE oidc_models (
      model       TEXT NOT NULL,
      id          TEXT NOT NULL,
      payload     TEXT NOT NULL,
      grant_id    TEXT,
      user_code   TEXT,
      uid         TEXT,
      expires_at  BIGINT,
      consumed_at BIGINT,
      PRIMARY KEY (model, id)
    );
    CREATE INDEX oidc_models_grant_id ON oidc_models (grant_id) WHERE grant_id IS NOT NULL;
    CREATE INDEX oidc_models_uid ON oidc_models (model, uid) WHERE uid IS NOT NULL;
    CREATE INDEX oidc_models_user_code ON oidc_models (model, user_code) WHERE user_code IS NOT NULL;
    CREATE INDEX oidc_models_expires_at ON oidc_models (expires_at) WHERE expires_at IS NOT NULL;
  `,
};
