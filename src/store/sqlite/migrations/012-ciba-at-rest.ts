import type { Migration } from './index.js';

/**
 * CIBA requests out of the database too: a BackchannelAuthenticationRequest row is re-keyed by the
 * SHA-256 of its auth_req_id and the payload's copy of it (`jti`) is dropped, as 007-at-rest did for
 * codes and tokens. Only rows still keyed by their raw id (the payload's `jti` equals the row id) are
 * touched, so running it on already re-keyed rows changes nothing. The /device page answers requests by
 * the row's key, so requests pending across the upgrade can still be approved and polled.
 */
export const cibaAtRest: Migration = {
  id: '012-ciba-at-rest',
  up: `
    UPDATE oidc_models
      SET id = gatehouse_sha256(id), payload = json_remove(payload, '$.jti')
      WHERE model = 'BackchannelAuthenticationRequest' AND json_extract(payload, '$.jti') = id;
  `,
};
