import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DemoUser } from '../seed/users.js';

/**
 * A Google account at the demo provider: the demo user's email, a stable numeric subject like Google's,
 * and the password that signs in to it (the demo user's, as shown in the banner).
 */
export interface ProviderAccount {
  readonly sub: string;
  readonly email: string;
  readonly name: string;
  readonly password: string;
}

export function providerAccountsFor(users: readonly DemoUser[]): ProviderAccount[] {
  return users.map((u) => ({ sub: googleSubject(u.email), email: u.email, name: u.name, password: u.password }));
}

/** The account whose email and password these are, or undefined; compares in constant time. */
export function signIn(accounts: readonly ProviderAccount[], email: string, password: string): ProviderAccount | undefined {
  const account = accounts.find((a) => a.email === email);
  const given = createHash('sha256').update(password).digest();
  const expected = createHash('sha256').update(account?.password ?? randomBytes(16)).digest();
  return timingSafeEqual(given, expected) && account ? account : undefined;
}

function googleSubject(email: string): string {
  const digits = BigInt(`0x${createHash('sha256').update(email).digest('hex').slice(0, 16)}`).toString();
  return `1${digits.padStart(20, '0').slice(0, 20)}`;
}
