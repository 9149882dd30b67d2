import { createHash, timingSafeEqual } from 'node:crypto';
import type { Account, FindAccount } from 'oidc-provider';
import type { DemoUser } from '../seed/users.js';

/** Looks accounts up in the demo user list; claims are what Auth0 would put in an ID token / userinfo. */
export function findAccountIn(users: readonly DemoUser[]): FindAccount {
  return async (_ctx, id): Promise<Account | undefined> => {
    const user = users.find((u) => u.id === id);
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
