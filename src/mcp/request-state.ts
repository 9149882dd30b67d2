import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * The `requestState` of an MCP 2026-07-28 `input_required` result: what a retry must carry to resume
 * the same connect flow or pending approval. It travels through the client, so it is sealed
 * (HMAC-SHA256 with a key only this process holds) and bound to the caller (`sub`), the tool and the
 * call digest (tool, canonical arguments, sub, resource), with an expiry. It is signed, not
 * encrypted: it holds no secret, only what the caller already knows.
 */
export type StateKind = 'connect' | 'approval';

export interface RequestStatePayload {
  readonly v: 1;
  readonly kind: StateKind;
  readonly sub: string;
  readonly tool: string;
  readonly digest: string;
  /** Expiry, epoch milliseconds. */
  readonly exp: number;
  /** The open approval this state resumes (approval only). */
  readonly approvalId?: string;
}

/** Why a presented state was refused; each is a distinct, stable reason in the error data and the audit entry. */
export type StateRefusal = 'malformed' | 'forged' | 'expired' | 'other_caller' | 'other_tool' | 'other_arguments';

const Payload = z
  .object({
    v: z.literal(1),
    kind: z.enum(['connect', 'approval']),
    sub: z.string().min(1),
    tool: z.string().min(1),
    digest: z.string().min(1),
    exp: z.number().int().positive(),
    approvalId: z.string().min(1).optional(),
  })
  .strict();

const MAX_STATE = 2048;

export interface RequestStateCodec {
  mint(p: Omit<RequestStatePayload, 'v' | 'exp'>): string;
  /** The payload if the state is sealed by us, unexpired and bound to exactly this call; otherwise why not. */
  check(state: string, call: { sub: string; tool: string; digest: string }): { ok: true; payload: RequestStatePayload } | { ok: false; reason: StateRefusal };
}

export function createRequestStateCodec(opts: { key?: Uint8Array; ttlSeconds: number; now?: () => number }): RequestStateCodec {
  const key = opts.key ?? randomBytes(32);
  const now = opts.now ?? Date.now;
  const mac = (body: string) => createHmac('sha256', key).update(`gatehouse.requestState.v1.${body}`).digest();
  return {
    mint(p) {
      const body = Buffer.from(JSON.stringify({ v: 1, ...p, exp: now() + opts.ttlSeconds * 1000 })).toString('base64url');
      return `${body}.${mac(body).toString('base64url')}`;
    },
    check(state, call) {
      if (typeof state !== 'string' || state.length > MAX_STATE) return { ok: false, reason: 'malformed' };
      const [body, sig, extra] = state.split('.');
      if (!body || !sig || extra !== undefined) return { ok: false, reason: 'malformed' };
      const given = Buffer.from(sig, 'base64url');
      const expected = mac(body);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'forged' };
      let payload: RequestStatePayload;
      try {
        payload = Payload.parse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8'))) as RequestStatePayload;
      } catch {
        return { ok: false, reason: 'malformed' };
      }
      if (payload.sub !== call.sub) return { ok: false, reason: 'other_caller' };
      if (payload.tool !== call.tool) return { ok: false, reason: 'other_tool' };
      if (payload.digest !== call.digest) return { ok: false, reason: 'other_arguments' };
      if (now() >= payload.exp) return { ok: false, reason: 'expired' };
      return { ok: true, payload };
    },
  };
}

/** A presented requestState was refused (the SDK answers -32602 "Invalid or expired requestState"; the reason is audited). */
export class RequestStateRefusedError extends Error {
  constructor(readonly reason: StateRefusal) {
    super(`requestState refused: ${reason}`);
    this.name = 'RequestStateRefusedError';
  }
}
