import { SCOPES } from '../../identity/scopes.js';
import type { ConsentScope } from './pages.js';

const OIDC_SCOPES: Record<string, string> = {
  openid: 'Sign you in with your account',
  profile: 'See your name',
  email: 'See your email address',
  offline_access: 'Stay connected when you are not using it',
};

/** Human descriptions for the consent page, in request order, without duplicates. */
export function describeScopes(scopes: Iterable<string>): ConsentScope[] {
  const known: Record<string, string> = { ...OIDC_SCOPES, ...SCOPES };
  return [...new Set(scopes)].map((name) => ({ name, description: known[name] ?? 'Use the permission below' }));
}
