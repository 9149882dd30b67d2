/**
 * Demo users of the embedded stack. Their passwords are shown in the banner on purpose: the embedded
 * mode is a local demo and test bed, never a production identity store.
 */
export interface DemoUser {
  readonly id: string;
  readonly password: string;
  readonly name: string;
  readonly email: string;
  /** Auth0 Organizations id carried as `org_id` in access tokens. */
  readonly orgId: string;
  readonly kind: 'employee' | 'contractor';
  readonly department: string;
}

export const DEMO_USERS: readonly DemoUser[] = [
  { id: 'alice', password: 'alice-demo-pw', name: 'Alice Anders', email: 'alice@acme.example', orgId: 'org_acme', kind: 'employee', department: 'engineering' },
  { id: 'bob', password: 'bob-demo-pw', name: 'Bob Brenner', email: 'bob@acme.example', orgId: 'org_acme', kind: 'employee', department: 'finance' },
  { id: 'carol', password: 'carol-demo-pw', name: 'Carol Chen', email: 'carol@contractor.example', orgId: 'org_acme', kind: 'contractor', department: 'project-falcon' },
];

export function findDemoUser(id: string): DemoUser | undefined {
  return DEMO_USERS.find((u) => u.id === id);
}
