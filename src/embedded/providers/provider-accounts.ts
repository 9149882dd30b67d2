import { createHash } from 'node:crypto';
import type { DemoUser } from '../seed/users.js';

/** A Google account at the demo provider: the demo user's email and a stable numeric subject like Google's. */
export interface ProviderAccount {
  readonly sub: string;
  readonly email: string;
  readonly name: string;
}

export function providerAccountsFor(users: readonly DemoUser[]): ProviderAccount[] {
  return users.map((u) => ({ sub: googleSubject(u.email), email: u.email, name: u.name }));
}

function googleSubject(email: string): string {
  const digits = BigInt(`0x${createHash('sha256').update(email).digest('hex').slice(0, 16)}`).toString();
  return `1${digits.padStart(20, '0').slice(0, 20)}`;
}
