import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { SqliteDatabase } from '../store/sqlite/database.js';
import type { SealedBox } from './sealed-box.js';

const TTL_MS = 10 * 60_000;

/** One browser's connect flow. Sealed at rest: it holds PKCE verifiers and a short-lived My Account token. */
export const FlowState = z.object({
  sub: z.string(),
  connection: z.string(),
  scopes: z.array(z.string()),
  step: z.enum(['login', 'connect']),
  state: z.string(),
  verifier: z.string(),
  authSession: z.string().optional(),
  myAccountToken: z.string().optional(),
});
export type FlowState = z.infer<typeof FlowState>;

const hash = (id: string) => createHash('sha256').update(id).digest('base64url');

/** Connect flows keyed by a random id that lives only in the browser's HttpOnly cookie (stored hashed). */
export class ConnectFlowStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly box: SealedBox,
  ) {}

  create(state: FlowState): string {
    const id = randomBytes(32).toString('base64url');
    this.db.prepare('DELETE FROM vault_connect_flows WHERE expires_at < ?').run(Date.now());
    this.db.prepare('INSERT INTO vault_connect_flows (id_hash, payload, expires_at) VALUES (?, ?, ?)').run(hash(id), this.seal(id, state), Date.now() + TTL_MS);
    return id;
  }

  get(id: string): FlowState | undefined {
    if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const row = this.db.prepare('SELECT payload FROM vault_connect_flows WHERE id_hash = ? AND expires_at >= ?').get(hash(id), Date.now()) as { payload: string } | undefined;
    if (!row) return undefined;
    try {
      return FlowState.parse(JSON.parse(this.box.open(row.payload, `flow:${hash(id)}`)));
    } catch {
      return undefined;
    }
  }

  update(id: string, state: FlowState): void {
    this.db.prepare('UPDATE vault_connect_flows SET payload = ? WHERE id_hash = ?').run(this.seal(id, state), hash(id));
  }

  /** Atomic: true for the one request that ended the flow. */
  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM vault_connect_flows WHERE id_hash = ?').run(hash(id)).changes > 0;
  }

  private seal(id: string, state: FlowState): string {
    return this.box.seal(JSON.stringify(state), `flow:${hash(id)}`);
  }
}
