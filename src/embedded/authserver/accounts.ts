import { createHash, timingSafeEqual } from 'node:crypto';
import type { Account, FindAccount } from 'oidc-provider';
import type { DemoUser } from '../seed/users.js';

/**
 * Looks accounts up in the demo user list; claims are what Auth0 would put in an ID token / userinfo.
 * At the backchannel endpoint an unknown id is answered like a known user who never responds: the
 * request is created, nobody can see or approve it, and it expires. Refusing it instead would tell an
 * authenticated client which users exist.
 */
export function findAccountIn(users: readonly DemoUser[]): FindAccount {
  return async (ctx, id): Promise<Account | undefined> => {
    const user = users.find((u) => u.id === id);
    if (!user && (ctx as { oidc?: { route?: string } } | undefined)?.oidc?.route === 'backchannel_authentication') {
      return { accountId: id, claims: async () => ({ sub: id }) };
    }
    if (!user) return undefined;
    return {
      accountId: user.id,
      claims: async () => ({
        sub: user.id,
        name: user.name,
        email: user.email,
        email_verified: true,
        org_id: user.orgId,
      }),
    };
  };
}

/**
 * Checks a username/password pair. Compares digests in constant time and always does the same work,
 * so neither the answer nor its timing tells which of the two was wrong.
 */
export function verifyPassword(users: readonly DemoUser[], username: string, password: string): DemoUser | undefined {
  const user = users.find((u) => u.id === username);
  const expected = digest(user?.password ?? 'no user: never matches');
  const ok = timingSafeEqual(expected, digest(password));
  return user && ok ? user : undefined;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
