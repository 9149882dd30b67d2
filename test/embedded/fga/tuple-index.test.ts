import { describe, expect, it } from 'vitest';
import { TupleIndex } from '../../../src/embedded/fga/tuple-index.js';
import { tupleId, type TupleKey } from '../../../src/embedded/fga/tuple-key.js';

const key = (user: string, condition?: string): TupleKey =>
  condition ? { object: 'doc:1', relation: 'viewer', user, condition: { name: condition } } : { object: 'doc:1', relation: 'viewer', user };

describe('tuple index', () => {
  it('keeps one, then many tuples per object#relation through puts and deletes', () => {
    const index = new TupleIndex();
    const put = (k: TupleKey) => index.put({ key: k, seq: index.size, timestamp: '' });
    const users = () => [...index.byObjectRelation('doc:1', 'viewer')].map((t) => t.user);
    put(key('user:a'));
    expect(users()).toEqual(['user:a']);
    put(key('user:a', 'c'));
    expect(index.userTuple('doc:1', 'viewer', 'user:a')?.condition?.name).toBe('c');
    put(key('group:g#member'));
    put(key('user:b'));
    expect(users()).toEqual(['user:a', 'group:g#member', 'user:b']);
    expect([...index.usersetsOf('doc:1', 'viewer')].map((t) => t.user)).toEqual(['group:g#member']);
    index.delete(tupleId(key('user:a')));
    index.delete(tupleId(key('group:g#member')));
    expect(users()).toEqual(['user:b']);
    expect([...index.usersetsOf('doc:1', 'viewer')]).toEqual([]);
    expect(index.userTuple('doc:1', 'viewer', 'user:a')).toBeUndefined();
    index.delete(tupleId(key('user:b')));
    expect(users()).toEqual([]);
    expect([...index.byUser('user:b')]).toEqual([]);
    put(key('user:c'));
    expect(users()).toEqual(['user:c']);
    expect(index.size).toBe(1);
  });
});
