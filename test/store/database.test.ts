import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { keyDirFor, openDatabase } from '../../src/store/sqlite/database.js';
import { migrations } from '../../src/store/sqlite/migrations/index.js';
import { loadNamedSecret, moveSecretsToFiles, secretFile } from '../../src/store/sqlite/secrets.js';
import { tempDir } from '../helpers/bootstrap.js';

const mode = (path: string) => statSync(path).mode & 0o777;
const sha256 = (v: string) => createHash('sha256').update(v).digest('base64url');

/** A database as the release before 007 left it: migrations up to 006 applied, nothing else. */
function oldDatabase(dir: string): Database.Database {
  const db = new Database(join(dir, 'gatehouse.db'));
  db.exec('CREATE TABLE schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  for (const m of migrations.filter((x) => x.id < '007')) {
    db.exec(m.up);
    db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)').run(m.id, new Date().toISOString());
  }
  return db;
}

describe('openDatabase at rest', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = tempDir();
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('creates the data dir 0700 and the database 0600, and tightens an existing 0755 dir and 0644 file', () => {
    const fresh = join(dir(), 'data');
    openDatabase(join(fresh, 'gatehouse.db')).close();
    expect(mode(fresh)).toBe(0o700);
    expect(mode(join(fresh, 'gatehouse.db'))).toBe(0o600);

    const old = dir();
    oldDatabase(old).close();
    chmodSync(old, 0o755);
    chmodSync(join(old, 'gatehouse.db'), 0o644);
    const db = openDatabase(join(old, 'gatehouse.db'));
    expect(mode(old)).toBe(0o700);
    for (const f of ['gatehouse.db', 'gatehouse.db-wal', 'gatehouse.db-shm']) if (existsSync(join(old, f))) expect(mode(join(old, f))).toBe(0o600);
    expect(db.pragma('secure_delete', { simple: true })).toBe(1);
    db.close();
  });

  it('moves secrets from the table to 0600 key files, scrubs their bytes, and is idempotent', () => {
    const d = dir();
    const old = oldDatabase(d);
    old.prepare('INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?)').run('vault.encryption-key', 'old-vault-key-value-0123456789abcdef', new Date().toISOString());
    old.prepare('INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?)').run('authserver.csrf-key', 'old-csrf-key-value-0123456789abcdef', new Date().toISOString());
    old.close();

    const db = openDatabase(join(d, 'gatehouse.db'));
    const keyDir = keyDirFor(join(d, 'gatehouse.db'));
    expect(mode(keyDir)).toBe(0o700);
    expect(readFileSync(join(keyDir, 'vault.encryption-key.key'), 'utf8')).toBe('old-vault-key-value-0123456789abcdef\n');
    expect(mode(join(keyDir, 'vault.encryption-key.key'))).toBe(0o600);
    expect(loadNamedSecret(keyDir, 'authserver.csrf-key')).toBe('old-csrf-key-value-0123456789abcdef');
    expect(db.prepare('SELECT COUNT(*) AS n FROM secrets').get()).toEqual({ n: 0 });
    db.close();
    const bytes = Buffer.concat(['gatehouse.db', 'gatehouse.db-wal'].filter((f) => existsSync(join(d, f))).map((f) => readFileSync(join(d, f))));
    expect(bytes.includes('old-vault-key-value')).toBe(false);
    expect(bytes.includes('old-csrf-key-value')).toBe(false);

    // Opening again changes nothing.
    openDatabase(join(d, 'gatehouse.db')).close();
    expect(loadNamedSecret(keyDir, 'vault.encryption-key')).toBe('old-vault-key-value-0123456789abcdef');
  });

  it('a key file that already exists wins over a table row, and the row still goes', () => {
    const d = dir();
    const db = openDatabase(join(d, 'gatehouse.db'));
    const keyDir = keyDirFor(join(d, 'gatehouse.db'));
    const current = loadNamedSecret(keyDir, 'providers.token-key');
    db.prepare('INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?)').run('providers.token-key', 'stale', new Date().toISOString());
    expect(moveSecretsToFiles(db, keyDir)).toBe(1);
    expect(loadNamedSecret(keyDir, 'providers.token-key')).toBe(current);
    expect(db.prepare('SELECT COUNT(*) AS n FROM secrets').get()).toEqual({ n: 0 });
    db.close();
  });

  it('secret names are plain: no path separators, no parent directories, no upper case', () => {
    for (const bad of ['../x', 'a/b', '..', 'A', '', '.hidden', 'a..b']) expect(() => secretFile('/keys', bad)).toThrow(TypeError);
    expect(secretFile('/keys', 'authserver.cookie-key')).toBe(join('/keys', 'authserver.cookie-key.key'));
  });

  it('an in-memory database has no key directory', () => {
    expect(() => keyDirFor(':memory:')).toThrow(TypeError);
    openDatabase(':memory:').close();
  });

  it('a generated secret is 32 random bytes, created once', () => {
    const keyDir = join(dir(), 'keys');
    const a = loadNamedSecret(keyDir, 'some.secret');
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(loadNamedSecret(keyDir, 'some.secret')).toBe(a);
    expect(mode(join(keyDir, 'some.secret.key'))).toBe(0o600);
  });
});

describe('migrations 007-at-rest and 012-ciba-at-rest', () => {
  it('re-key bearer rows and CIBA requests by hash, drop their jti and the interaction\'s session cookie, leave clients and grants', () => {
    const d = tempDir();
    try {
      const old = oldDatabase(d);
      const insert = old.prepare('INSERT INTO oidc_models (model, id, payload, grant_id, uid, expires_at) VALUES (?, ?, ?, ?, ?, ?)');
      const later = Date.now() + 3_600_000;
      insert.run('RefreshToken', 'rt-raw-value', JSON.stringify({ jti: 'rt-raw-value', kind: 'RefreshToken', grantId: 'g1', accountId: 'alice' }), 'g1', null, later);
      insert.run('AuthorizationCode', 'code-raw-value', JSON.stringify({ jti: 'code-raw-value', kind: 'AuthorizationCode', grantId: 'g1' }), 'g1', null, later);
      insert.run('Session', 'session-cookie-value', JSON.stringify({ jti: 'session-cookie-value', kind: 'Session', uid: 'su1', accountId: 'alice' }), null, 'su1', later);
      insert.run('Interaction', 'interaction-uid', JSON.stringify({ jti: 'interaction-uid', kind: 'Interaction', session: { uid: 'su1', cookie: 'session-cookie-value', accountId: 'alice' } }), null, null, later);
      insert.run('Client', 'some-client', JSON.stringify({ client_id: 'some-client' }), null, null, null);
      insert.run('Grant', 'g1', JSON.stringify({ jti: 'g1', kind: 'Grant', accountId: 'alice' }), null, null, later);
      insert.run('BackchannelAuthenticationRequest', 'auth-req-id', JSON.stringify({ jti: 'auth-req-id', kind: 'BackchannelAuthenticationRequest', accountId: 'alice' }), null, null, later);
      old.close();

      const db = openDatabase(join(d, 'gatehouse.db'));
      const rows = Object.fromEntries((db.prepare('SELECT model, id, payload, grant_id, uid FROM oidc_models').all() as { model: string; id: string; payload: string; grant_id: string | null; uid: string | null }[]).map((r) => [r.model, r]));
      expect(rows.RefreshToken).toMatchObject({ id: sha256('rt-raw-value'), grant_id: 'g1' });
      expect(JSON.parse(rows.RefreshToken!.payload)).toEqual({ kind: 'RefreshToken', grantId: 'g1', accountId: 'alice' });
      expect(rows.AuthorizationCode!.id).toBe(sha256('code-raw-value'));
      expect(rows.Session).toMatchObject({ id: sha256('session-cookie-value'), uid: 'su1' });
      expect(rows.Interaction!.id).toBe(sha256('interaction-uid'));
      expect(JSON.parse(rows.Interaction!.payload)).toEqual({ kind: 'Interaction', session: { uid: 'su1', accountId: 'alice' } });
      expect(rows.Client!.id).toBe('some-client');
      expect(rows.Grant!.id).toBe('g1');
      expect(rows.BackchannelAuthenticationRequest!.id).toBe(sha256('auth-req-id'));
      expect(JSON.parse(rows.BackchannelAuthenticationRequest!.payload)).toEqual({ kind: 'BackchannelAuthenticationRequest', accountId: 'alice' });
      const dump = JSON.stringify(Object.values(rows));
      for (const secret of ['rt-raw-value', 'code-raw-value', 'session-cookie-value', 'interaction-uid', 'auth-req-id']) expect(dump).not.toContain(secret);
      db.close();
      const bytes = Buffer.concat(['gatehouse.db', 'gatehouse.db-wal'].filter((f) => existsSync(join(d, f))).map((f) => readFileSync(join(d, f))));
      for (const secret of ['rt-raw-value', 'code-raw-value', 'session-cookie-value', 'auth-req-id']) expect(bytes.includes(secret)).toBe(false);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('012 leaves a CIBA request already keyed by its hash as it is (no second hash)', () => {
    const d = tempDir();
    try {
      const old = oldDatabase(d);
      const payload = JSON.stringify({ kind: 'BackchannelAuthenticationRequest', accountId: 'alice' });
      old.prepare('INSERT INTO oidc_models (model, id, payload, expires_at) VALUES (?, ?, ?, ?)').run('BackchannelAuthenticationRequest', sha256('auth-req-id'), payload, Date.now() + 3_600_000);
      old.close();
      const db = openDatabase(join(d, 'gatehouse.db'));
      expect(db.prepare("SELECT id, payload FROM oidc_models WHERE model = 'BackchannelAuthenticationRequest'").all()).toEqual([{ id: sha256('auth-req-id'), payload }]);
      db.close();
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
