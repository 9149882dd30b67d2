import { errors } from 'oidc-provider';

/**
 * Auth0 answers a refused grant with 403 `unauthorized_client` (grant type not enabled for the
 * application, no client grant for the API, not the Custom API Client of the API).
 */
export class ClientNotAuthorized extends errors.UnauthorizedClient {
  constructor(description: string) {
    super(description);
    Object.assign(this, { status: 403, statusCode: 403 });
  }
}
