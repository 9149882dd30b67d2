import type { Migration } from './index.js';

/**
 * Bearer values out of the database. Rows of oidc-provider models whose id is a credential (a code,
 * a token, a session or interaction cookie) are re-keyed by the SHA-256 of the id, and the copy of the
 * id that oidc-provider keeps as `jti` in the payload is dropped (the adapter puts it back from the id
 * it was asked for); an interaction's copy of its session cookie goes too. Keeps users signed in and
 * refresh tokens working. `gatehouse_sha256` is registered by openDatabase. The list of models is the
 * adapter's HASHED_MODELS. (The key files that replace the `secrets` table are written on open.)
 */
export const atRest: Migration = {
  id: '007-at-rest',
  up: `
    UPDATE oidc_models
      SET id = gatehouse_sha256(id), payload = json_remove(payload, '$.jti')
      WHERE model IN ('AccessToken', 'AuthorizationCode', 'RefreshToken', 'ClientCredentials', 'Session',
                      'Interaction', 'RegistrationAccessToken', 'InitialAccessToken', 'PushedAuthorizationRequest');
    UPDATE oidc_models SET payload = json_remove(payload, '$.session.cookie') WHERE model = 'Interaction';
  `,
};
