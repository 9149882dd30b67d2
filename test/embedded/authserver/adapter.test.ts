import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HASHED_MODELS, sqliteAdapterFactory } from '../../../src/embedded/authserver/adapter.js';
import { openDatabase, type SqliteDatabase } from '../../../src/store/sqlite/database.js';

const sha256 = (v: string) => createHash('sha256').update(v).digest('base64url');

/** The oidc-provider adapter on a real SQLite database: what is stored, and what oidc-provider gets back. */
describe('sqlite adapter: bearer ids at rest', () => {
  let db: SqliteDatabase;
  let adapter: ReturnType<typeof sqliteAdapterFactory>;
  beforeEach(() => {
    db = openDatabase(':memory:');
    adapter = sqliteAdapterFactory(db);
  });
  afterEach(() => db.close());
  const rows = () => db.prepare('SELECT model, id, payload, grant_id, uid, consumed_at FROM oidc_models').all() as { model: string; id: string; payload: string; grant_id: string | null; uid: string | null; consumed_at: number | null }[];

  it('a refresh token is stored under sha256(value) without its jti, and found by its value with the jti back', async () => {
    const rt = adapter('RefreshToken');
    await rt.upsert('rt-value', { jti: 'rt-value', kind: 'RefreshToken', grantId: 'g1', accountId: 'alice' }, 60);
    expect(rows()).toEqual([{ model: 'RefreshToken', id: sha256('rt-value'), payload: JSON.stringify({ kind: 'RefreshToken', grantId: 'g1', accountId: 'alice' }), grant_id: 'g1', uid: null, consumed_at: null }]);
    expect(await rt.find('rt-value')).toEqual({ jti: 'rt-value', kind: 'RefreshToken', grantId: 'g1', accountId: 'alice' });
    // The stored key is not a credential: looking it up as a token finds nothing.
    expect(await rt.find(sha256('rt-value'))).toBeUndefined();
  });

  it('consume and destroy act on the hashed row', async () => {
    const code = adapter('AuthorizationCode');
    await code.upsert('code-value', { jti: 'code-value', kind: 'AuthorizationCode', grantId: 'g1' }, 60);
    await code.consume('code-value');
    expect((await code.find('code-value'))?.consumed).toEqual(expect.any(Number));
    await code.destroy('code-value');
    expect(rows()).toEqual([]);
  });

  it('revokeByGrantId removes every hashed row of the grant, and only those', async () => {
    await adapter('RefreshToken').upsert('rt-1', { jti: 'rt-1', kind: 'RefreshToken', grantId: 'g1' }, 60);
    await adapter('AuthorizationCode').upsert('code-1', { jti: 'code-1', kind: 'AuthorizationCode', grantId: 'g1' }, 60);
    await adapter('RefreshToken').upsert('rt-2', { jti: 'rt-2', kind: 'RefreshToken', grantId: 'g2' }, 60);
    await adapter('RefreshToken').revokeByGrantId!('g1');
    expect(rows().map((r) => r.id)).toEqual([sha256('rt-2')]);
  });

  it('an interaction keeps no copy of its session cookie; a session is found by cookie and by uid', async () => {
    await adapter('Interaction').upsert('int-uid', { jti: 'int-uid', kind: 'Interaction', session: { uid: 'su1', cookie: 'session-cookie', accountId: 'alice' } }, 60);
    await adapter('Session').upsert('session-cookie', { jti: 'session-cookie', kind: 'Session', uid: 'su1', accountId: 'alice' }, 60);
    expect(JSON.stringify(rows())).not.toContain('session-cookie');
    expect(JSON.stringify(rows())).not.toContain('int-uid');
    expect(await adapter('Interaction').find('int-uid')).toEqual({ jti: 'int-uid', kind: 'Interaction', session: { uid: 'su1', accountId: 'alice' } });
    expect(await adapter('Session').find('session-cookie')).toMatchObject({ jti: 'session-cookie', uid: 'su1' });
    expect(await adapter('Session').findByUid!('su1')).toEqual({ kind: 'Session', uid: 'su1', accountId: 'alice' });
  });

  it('clients and grants are stored as they are (their ids are public references)', async () => {
    await adapter('Client').upsert('client-1', { client_id: 'client-1' }, undefined as unknown as number);
    await adapter('Grant').upsert('g1', { jti: 'g1', kind: 'Grant', accountId: 'alice' }, 60);
    expect(rows().map((r) => r.id).sort()).toEqual(['client-1', 'g1']);
    expect(await adapter('Grant').find('g1')).toEqual({ jti: 'g1', kind: 'Grant', accountId: 'alice' });
    expect(HASHED_MODELS.has('Client')).toBe(false);
  });
});
