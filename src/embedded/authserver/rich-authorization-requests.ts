import { errors, type RichAuthorizationRequestsActiveConfiguration } from 'oidc-provider';
import { APPROVAL_DETAIL_TYPE, ToolCallDetail } from '../../approvals/authorization-details.js';

/**
 * RFC 9396 Rich Authorization Requests for CIBA approvals: one type, the Gatehouse tool call, whose
 * details are validated here (so the device page can render them) and copied unchanged from the
 * approved request into the access token's `authorization_details`.
 */
export const richAuthorizationRequests: RichAuthorizationRequestsActiveConfiguration = {
  enabled: true,
  types: {
    [APPROVAL_DETAIL_TYPE]: {
      validate(_ctx, detail) {
        if (!ToolCallDetail.safeParse(detail).success) throw new errors.InvalidAuthorizationDetails(`invalid ${APPROVAL_DETAIL_TYPE} authorization details`);
      },
    },
  },
  authorizationDetailsForGrantSource: (_ctx, source) => source.rar,
  authorizationDetailsForAccessToken: (_ctx, _token, source) => source?.rar,
};
