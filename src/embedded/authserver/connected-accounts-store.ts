import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { SqliteDatabase } from '../../store/sqlite/database.js';
import type { SealedBox } from '../../vault/sealed-box.js';

/** A connected account as the My Account API shows it (never with its tokens). */
export interface ConnectedAccount {
  readonly id: string;
  readonly connection: string;
  readonly access_type: 'offline';
  readonly scopes: string[];
  readonly created_at: string;
}

/** A pending connect (My Account `auth_session`), from /connect through the provider to /complete. */
const Session = z.object({
  userSub: z.string(),
  clientId: z.string(),
  connection: z.string(),
  redirectUri: z.string(),
  state: z.string(),
  codeChallenge: z.string(),
  scopes: z.array(z.string()),
  providerState: z.string().optional(),
  connectCodeHash: z.string().optional(),
  /** Sealed: the provider refresh token obtained at the callback, until /complete stores it. */
  pending: z.object({ refreshToken: z.string(), scopes: z.array(z.string()), providerSubject: z.string() }).optional(),
});
export type AuthSession = z.infer<typeof Session>;

export const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');
export const randomId = (bytes = 24) => randomBytes(bytes).toString('base64url');

/**
 * The embedded Token Vault's storage: connected accounts with the provider refresh token sealed
 * (AES-256-GCM, bound to the account row), and auth sessions looked up by the hash of their ticket.
 */
export class ConnectedAccountsStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly box: SealedBox,
  ) {}

  find(userSub: string, connection: string): (ConnectedAccount & { providerSubject: string; refreshToken: string }) | undefined {
    const row = this.db.prepare('SELECT * FROM myaccount_connected_accounts WHERE user_sub = ? AND connection = ?').get(userSub, connection) as Row | undefined;
    if (!row) return undefined;
    return { ...toAccount(row), providerSubject: row.provider_subject, refreshToken: this.box.open(row.refresh_token, `account:${row.id}`) };
  }

  list(userSub: string): ConnectedAccount[] {
    return (this.db.prepare('SELECT * FROM myaccount_connected_accounts WHERE user_sub = ? ORDER BY created_at').all(userSub) as Row[]).map(toAccount);
  }

  /** One account per (user, connection): connecting again replaces its token and scopes. */
  save(userSub: string, connection: string, providerSubject: string, scopes: string[], refreshToken: string): ConnectedAccount {
    const existing = this.db.prepare('SELECT id, created_at FROM myaccount_connected_accounts WHERE user_sub = ? AND connection = ?').get(userSub, connection) as
      | { id: string; created_at: string }
      | undefined;
    const id = existing?.id ?? `cac_${randomId(12)}`;
    const createdAt = existing?.created_at ?? new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO myaccount_connected_accounts (id, user_sub, connection, provider_subject, scopes, refresh_token, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (user_sub, connection) DO UPDATE SET provider_subject = excluded.provider_subject, scopes = excluded.scopes, refresh_token = excluded.refresh_token`,
      )
      .run(id, userSub, connection, providerSubject, JSON.stringify(scopes), this.box.seal(refreshToken, `account:${id}`), createdAt);
    return { id, connection, access_type: 'offline', scopes, created_at: createdAt };
  }

  remove(userSub: string, id: string): boolean {
    return this.db.prepare('DELETE FROM myaccount_connected_accounts WHERE user_sub = ? AND id = ?').run(userSub, id).changes > 0;
  }

  createSession(session: AuthSession, ttlSeconds: number): { authSession: string; ticket: string } {
    const authSession = randomId();
    const ticket = randomId();
    this.db.prepare('DELETE FROM myaccount_auth_sessions WHERE expires_at < ?').run(Date.now());
    this.db.prepare('INSERT INTO myaccount_auth_sessions (id, ticket_hash, payload, expires_at) VALUES (?, ?, ?, ?)').run(authSession, sha256(ticket), JSON.stringify(session), Date.now() + ttlSeconds * 1000);
    return { authSession, ticket };
  }

  sessionByTicket(ticket: string): { id: string; session: AuthSession } | undefined {
    const row = this.db.prepare('SELECT id, payload FROM myaccount_auth_sessions WHERE ticket_hash = ? AND expires_at >= ?').get(sha256(ticket), Date.now()) as { id: string; payload: string } | undefined;
    return row ? { id: row.id, session: Session.parse(JSON.parse(row.payload)) } : undefined;
  }

  session(id: string): AuthSession | undefined {
    const row = this.db.prepare('SELECT payload FROM myaccount_auth_sessions WHERE id = ? AND expires_at >= ?').get(id, Date.now()) as { payload: string } | undefined;
    return row ? Session.parse(JSON.parse(row.payload)) : undefined;
  }

  updateSession(id: string, session: AuthSession): void {
    this.db.prepare('UPDATE myaccount_auth_sessions SET payload = ? WHERE id = ?').run(JSON.stringify(session), id);
  }

  /** Atomically removes the session; true only for the one caller that removed it. */
  consumeSession(id: string): boolean {
    return this.db.prepare('DELETE FROM myaccount_auth_sessions WHERE id = ?').run(id).changes > 0;
  }

  seal(value: string, context: string): string {
    return this.box.seal(value, context);
  }
  open(value: string, context: string): string {
    return this.box.open(value, context);
  }
}

interface Row {
  id: string;
  user_sub: string;
  connection: string;
  provider_subject: string;
  scopes: string;
  refresh_token: string;
  created_at: string;
}

function toAccount(row: Row): ConnectedAccount {
  return { id: row.id, connection: row.connection, access_type: 'offline', scopes: JSON.parse(row.scopes) as string[], created_at: row.created_at };
}
