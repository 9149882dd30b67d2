import { errors, type Configuration } from 'oidc-provider';

/**
 * Registered clients are not limited to the `scope` they registered with. MCP clients register with
 * the scopes of their first 401 challenge; a later 403 step-up must be able to ask for more, and the
 * user decides on the consent page (as on Auth0, where an API's scopes, not the client's
 * registration, bound what may be granted). oidc-provider would otherwise answer `invalid_scope`.
 * A registration naming a scope this server does not know is still refused.
 */
export function clientScopePolicy(supported: readonly string[]): NonNullable<Configuration['extraClientMetadata']> {
  const known = new Set(supported);
  return {
    properties: ['gatehouse_scope_policy'],
    validator(_ctx, key, _value, metadata) {
      if (key !== 'gatehouse_scope_policy') return;
      const m = metadata as { scope?: unknown; gatehouse_scope_policy?: unknown };
      if (m.scope !== undefined) {
        if (typeof m.scope !== 'string' || m.scope.split(' ').some((s) => s && !known.has(s))) {
          throw new errors.InvalidClientMetadata('scope must only contain Authorization Server supported scope values');
        }
        delete m.scope;
      }
      delete m.gatehouse_scope_policy;
    },
  };
}
