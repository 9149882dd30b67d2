import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { ConnectFlowStore as FlowRows } from '../store/ports/connect-flow-store.js';
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

/** A flow as read: its state, and the stored (sealed) payload it was read from, which a replace must still find. */
export interface StoredFlow {
  readonly state: FlowState;
  readonly version: string;
}

const hash = (id: string) => createHash('sha256').update(id).digest('base64url');

/** Connect flows keyed by a random id that lives only in the browser's HttpOnly cookie (stored hashed). */
export class ConnectFlowStore {
  constructor(
    private readonly rows: FlowRows,
    private readonly box: SealedBox,
  ) {}

  async create(state: FlowState): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    const now = Date.now();
    await this.rows.insert(hash(id), this.seal(id, state), now + TTL_MS, now);
    return id;
  }

  async get(id: string): Promise<StoredFlow | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const payload = await this.rows.get(hash(id), Date.now());
    if (payload === undefined) return undefined;
    try {
      return { state: FlowState.parse(JSON.parse(this.box.open(payload, `flow:${hash(id)}`))), version: payload };
    } catch {
      return undefined;
    }
  }

  /**
   * Atomic: replaces the flow's state only if it is still the one `from` was read from (on any
   * instance); the new stored flow for the one caller that replaced it, else undefined.
   */
  async replace(id: string, from: StoredFlow, state: FlowState): Promise<StoredFlow | undefined> {
    const version = this.seal(id, state);
    return (await this.rows.update(hash(id), from.version, version)) ? { state, version } : undefined;
  }

  /** Atomic: true for the one request that ended the flow. */
  delete(id: string): Promise<boolean> {
    return this.rows.delete(hash(id));
  }

  private seal(id: string, state: FlowState): string {
    return this.box.seal(JSON.stringify(state), `flow:${hash(id)}`);
  }
}
