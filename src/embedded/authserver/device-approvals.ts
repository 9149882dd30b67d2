import type Provider from 'oidc-provider';
import { z } from 'zod';
import type { ApprovalText } from '../../approvals/approval-text.js';
import { recallApprovalText } from '../../approvals/approval-texts.js';
import { ToolCallDetail } from '../../approvals/authorization-details.js';
import type { SqliteDatabase } from '../../store/sqlite/database.js';

/** One CIBA request waiting for its user's answer, as the trusted device shows it. */
export interface PendingRequest {
  /**
   * The handle the device answers with: the key the request is stored under (SHA-256 of its
   * auth_req_id). Not the auth_req_id itself, which is never stored and which the device never needs;
   * knowing the handle does not let anyone poll the token endpoint.
   */
  readonly id: string;
  readonly clientId: string;
  readonly clientName: string;
  readonly bindingMessage?: string;
  readonly details: readonly ToolCallDetail[];
  /** The full approval text the details' `content` sha256 names (absent when this process did not build it). */
  readonly text?: ApprovalText;
  readonly requestedAt: string;
  readonly expiresAt: string;
}

export type Decision = 'approve' | 'deny';
export type DecisionResult = 'approved' | 'denied' | 'not_found';

export interface DeviceApprovals {
  list(accountId: string): Promise<PendingRequest[]>;
  /** Answers a request of `accountId` only; anyone else's (or an answered, expired or unknown one) is not_found. */
  decide(accountId: string, id: string, decision: Decision): Promise<DecisionResult>;
}

/** A BackchannelAuthenticationRequest row's payload as oidc-provider stored it (without its jti). */
const Payload = z.object({
  accountId: z.string(),
  clientId: z.string(),
  iat: z.number(),
  exp: z.number(),
  scope: z.string().optional(),
  resource: z.union([z.string(), z.array(z.string())]).optional(),
  grantId: z.string().optional(),
  error: z.string().optional(),
  params: z.object({ binding_message: z.string().optional(), authorization_details: z.string().optional() }).loose().optional(),
}).loose();
type Payload = z.infer<typeof Payload>;

const Details = z.array(ToolCallDetail);
const MODEL = 'BackchannelAuthenticationRequest';

/**
 * The user's side of CIBA on the embedded server: list the backchannel requests that name them, and
 * approve (a Grant with the request's scope, resource and RAR details) or deny. The requests are stored
 * under the hash of their auth_req_id (adapter.ts), so they are read and answered by that key: the
 * answer is what oidc-provider's backchannelResult writes (grantId, amr, authTime, rar, or error
 * `access_denied`), and the client's next poll of the token endpoint picks it up. Poll delivery only.
 */
export function createDeviceApprovals(provider: Provider, db: SqliteDatabase): DeviceApprovals {
  const open = db.prepare(
    `SELECT id, payload FROM oidc_models WHERE model = '${MODEL}' AND consumed_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`,
  );
  const one = db.prepare(
    `SELECT payload FROM oidc_models WHERE model = '${MODEL}' AND id = ? AND consumed_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`,
  );
  const answer = db.prepare(
    `UPDATE oidc_models SET payload = @payload, grant_id = @grantId WHERE model = '${MODEL}' AND id = @id AND consumed_at IS NULL AND grant_id IS NULL`,
  );
  const clientName = async (id: string) => (await provider.Client.find(id))?.clientName ?? id;
  /** The request if it still waits for this user's answer. */
  const waiting = (p: Payload, accountId: string) => p.accountId === accountId && !p.grantId && !p.error && p.exp > Math.floor(Date.now() / 1000);
  // Answers are serialised so a double submit (or approve racing deny) is answered once, first come first served.
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };

  return {
    async list(accountId) {
      const out: PendingRequest[] = [];
      for (const row of open.all(Date.now()) as { id: string; payload: string }[]) {
        const p = Payload.safeParse(JSON.parse(row.payload));
        if (!p.success || !waiting(p.data, accountId)) continue;
        const details = parseDetails(p.data.params?.authorization_details) ?? [];
        const content = details[0]?.properties.content?.value;
        const text = content ? recallApprovalText(content) : undefined;
        out.push({
          id: row.id,
          clientId: p.data.clientId,
          clientName: await clientName(p.data.clientId),
          bindingMessage: p.data.params?.binding_message,
          details,
          ...(text ? { text } : {}),
          requestedAt: new Date(p.data.iat * 1000).toISOString(),
          expiresAt: new Date(p.data.exp * 1000).toISOString(),
        });
      }
      return out.sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
    },

    decide: (accountId, id, decision) => serially(async (): Promise<DecisionResult> => {
      if (!/^[A-Za-z0-9_-]{1,128}$/.test(id)) return 'not_found';
      const row = one.get(id, Date.now()) as { payload: string } | undefined;
      const parsed = row ? Payload.safeParse(JSON.parse(row.payload)) : undefined;
      if (!parsed?.success || !waiting(parsed.data, accountId)) return 'not_found';
      const request = parsed.data;
      if (!(await provider.Client.find(request.clientId))) return 'not_found';
      const save = (result: Record<string, unknown>, grantId: string | null) =>
        answer.run({ id, payload: JSON.stringify({ ...request, ...result }), grantId }).changes === 1;
      if (decision === 'deny') return save({ error: 'access_denied' }, null) ? 'denied' : 'not_found';
      const rar = parseDetails(request.params?.authorization_details);
      if (request.params?.authorization_details !== undefined && !rar) return 'not_found';
      const grant = new provider.Grant({ accountId, clientId: request.clientId });
      if (request.scope) grant.addOIDCScope(request.scope);
      const resource = typeof request.resource === 'string' ? request.resource : undefined;
      if (resource) grant.addResourceScope(resource, '');
      for (const detail of rar ?? []) grant.addRar(detail);
      const grantId = await grant.save();
      const result = { grantId, amr: ['pwd'], authTime: Math.floor(Date.now() / 1000), ...(rar ? { rar: [...rar] } : {}) };
      return save(result, grantId) ? 'approved' : 'not_found';
    }),
  };
}

function parseDetails(json: string | undefined): ToolCallDetail[] | undefined {
  if (json === undefined) return undefined;
  try {
    const r = Details.safeParse(JSON.parse(json));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}
