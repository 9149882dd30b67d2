/**
 * Random ACL worlds for the retrieval leakage properties: users, nested groups, nested folders,
 * exclusions and wildcards as FGA tuples, and documents drawn from a small vocabulary. Seeded, so a
 * failure names the seed that reproduces it. Shared by the property tests of every Store.
 */
import type { TupleKey } from '../../src/fga/authorizer.js';
import type { Caller } from '../../src/identity/caller.js';

export const MODEL = `model
  schema 1.1
type user
type group
  relations
    define member: [user, user:*, group#member]
type folder
  relations
    define parent: [folder]
    define blocked: [user, group#member]
    define viewer: ([user, user:*, group#member] or viewer from parent) but not blocked
type document
  relations
    define parent: [folder]
    define blocked: [user, group#member]
    define viewer: ([user, user:*, group#member] or viewer from parent) but not blocked`;

export const SEEDS = 11;
export const USERS = 8;
export const QUERIES_PER_USER = 8;
export const VOCAB = 'budget roadmap outage salary review falcon drone invoice forecast kafka lidar handbook policy travel hiring audit release cluster margin payroll sensor migration security vendor'.split(' ');


export interface World {
  tuples: TupleKey[];
  docs: { id: string; body: string }[];
}

export function generateWorld(rand: () => number): World {
  const int = (n: number) => Math.floor(rand() * n);
  const pickOf = <T>(xs: readonly T[]) => xs[int(xs.length)]!;
  const users = Array.from({ length: USERS }, (_, i) => `user:u${i}`);
  const groups = Array.from({ length: 4 }, (_, i) => `group:g${i}`);
  const folders = Array.from({ length: 3 + int(5) }, (_, i) => `folder:f${i}`);
  const docCount = 25 + int(40);
  const tuples: TupleKey[] = [];
  const add = (user: string, relation: string, object: string) => {
    if (!tuples.some((t) => t.user === user && t.relation === relation && t.object === object)) tuples.push({ user, relation, object });
  };
  // nested groups (acyclic: g_i may contain g_j for j < i), members, an occasional public group
  groups.forEach((g, i) => {
    for (let n = 1 + int(3); n > 0; n--) add(pickOf(users), 'member', g);
    if (i > 0 && rand() < 0.5) add(`group:g${int(i)}#member`, 'member', g);
    if (rand() < 0.1) add('user:*', 'member', g);
  });
  // a folder forest: f_i's parent is some f_j, j < i
  folders.forEach((f, i) => {
    if (i > 0 && rand() < 0.7) add(`folder:f${int(i)}`, 'parent', f);
    const grants = int(3);
    for (let n = 0; n < grants; n++) add(rand() < 0.5 ? pickOf(users) : `${pickOf(groups)}#member`, 'viewer', f);
    if (rand() < 0.1) add('user:*', 'viewer', f);
    if (rand() < 0.25) add(rand() < 0.5 ? pickOf(users) : `${pickOf(groups)}#member`, 'blocked', f);
  });
  const docs: World['docs'] = [];
  for (let d = 0; d < docCount; d++) {
    const id = `d${String(d).padStart(3, '0')}`;
    if (rand() < 0.9) add(pickOf(folders), 'parent', `document:${id}`);
    if (rand() < 0.2) add(rand() < 0.6 ? pickOf(users) : `${pickOf(groups)}#member`, 'viewer', `document:${id}`);
    if (rand() < 0.03) add('user:*', 'viewer', `document:${id}`);
    if (rand() < 0.1) add(rand() < 0.6 ? pickOf(users) : `${pickOf(groups)}#member`, 'blocked', `document:${id}`);
    const paragraphs = Array.from({ length: 1 + int(4) }, () => Array.from({ length: 4 + int(20) }, () => pickOf(VOCAB)).join(' '));
    docs.push({ id, body: `# Document ${id}\n\n${paragraphs.join('\n\n')}` });
  }
  return { tuples, docs };
}

export const caller = (u: string): Caller => ({ kind: 'user', sub: u.slice('user:'.length), clientId: 'c', scopes: ['docs:read'], permissions: [], issuer: 'i', expiresAt: 0 });
