import { errors, type RichAuthorizationRequestsActiveConfiguration } from 'oidc-provider';
import { APPROVAL_DETAIL_TYPE, RAR_BYTES_MAX, ToolCallDetail } from '../../approvals/authorization-details.js';

/**
 * RFC 9396 Rich Authorization Requests for CIBA approvals, held to what Auth0 Guardian renders: one
 * type (`urn:auth0:schemas:authorization-details:v1:gatehouse-tool-call`), exactly one object per
 * request, `instruction` and `properties` only, values <= 255 characters, <= 10 properties, the whole
 * parameter <= 5 KB. Anything else is refused with `invalid_authorization_details`, so what passes here
 * passes on Auth0. Approved details are copied unchanged into the access token.
 */
export const richAuthorizationRequests: RichAuthorizationRequestsActiveConfiguration = {
  enabled: true,
  types: {
    [APPROVAL_DETAIL_TYPE]: {
      validate(ctx, detail) {
        const raw: unknown = (ctx.oidc.params as { authorization_details?: unknown } | undefined)?.authorization_details;
        if (typeof raw === 'string' && Buffer.byteLength(raw) > RAR_BYTES_MAX) {
          throw new errors.InvalidAuthorizationDetails(`authorization_details must not exceed ${RAR_BYTES_MAX} bytes`);
        }
        if (typeof raw === 'string' && countOf(raw) !== 1) throw new errors.InvalidAuthorizationDetails('exactly one authorization_details object is supported (Guardian renders one)');
        const parsed = ToolCallDetail.safeParse(detail);
        if (!parsed.success) {
          throw new errors.InvalidAuthorizationDetails(`invalid ${APPROVAL_DETAIL_TYPE} authorization details: ${parsed.error.issues[0]?.message ?? 'malformed'}`);
        }
      },
    },
  },
  authorizationDetailsForGrantSource: (_ctx, source) => source.rar,
  authorizationDetailsForAccessToken: (_ctx, _token, source) => source?.rar,
};

function countOf(raw: string): number {
  try {
    const value: unknown = JSON.parse(raw);
    return Array.isArray(value) ? value.length : 0;
  } catch {
    return 0;
  }
}
