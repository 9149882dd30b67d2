/** Endpoint paths, laid out like an Auth0 tenant's so clients configured for Auth0 feel at home. */
export const ROUTES = {
  authorization: '/authorize',
  token: '/oauth/token',
  userinfo: '/userinfo',
  jwks: '/.well-known/jwks.json',
  registration: '/oidc/register',
  revocation: '/oauth/revoke',
  end_session: '/oidc/logout',
  backchannel_authentication: '/bc-authorize',
} as const;
