import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import { z } from 'zod';
import type { ApprovalText } from '../../approvals/approval-text.js';
import { recallApprovalText } from '../../approvals/approval-texts.js';
import { ToolCallDetail } from '../../approvals/authorization-details.js';
import type { SqliteDatabase } from '../../store/sqlite/database.js';

/** One CIBA request waiting for its user's answer, as the trusted device shows it. */
export interface PendingRequest {
  /** The auth_req_id (only ever shown to the user it names). */
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

const Payload = z.object({
  jti: z.string(),
  accountId: z.string(),
  clientId: z.string(),
  iat: z.number(),
  exp: z.number(),
  grantId: z.string().optional(),
  error: z.string().optional(),
  params: z.object({ binding_message: z.string().optional(), authorization_details: z.string().optional() }).loose().optional(),
});

const Details = z.array(ToolCallDetail);

/**
 * The user's side of CIBA on the embedded server: list the backchannel requests that name them, and
 * approve (a Grant with the request's scope, resource and RAR details, then backchannelResult) or deny.
 */
export function createDeviceApprovals(provider: Provider, db: SqliteDatabase): DeviceApprovals {
  const open = db.prepare(
    "SELECT payload FROM oidc_models WHERE model = 'BackchannelAuthenticationRequest' AND consumed_at IS NULL AND (expires_at IS NULL OR expires_at > ?)",
  );
  const clientName = async (id: string) => (await provider.Client.find(id))?.clientName ?? id;
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
      for (const row of open.all(Date.now()) as { payload: string }[]) {
        const p = Payload.safeParse(JSON.parse(row.payload));
        if (!p.success || p.data.accountId !== accountId || p.data.grantId || p.data.error) continue;
        const details = parseDetails(p.data.params?.authorization_details) ?? [];
        const content = details[0]?.properties.content?.value;
        const text = content ? recallApprovalText(content) : undefined;
        out.push({
          id: p.data.jti,
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
      const request = await provider.BackchannelAuthenticationRequest.find(id);
      if (!request || request.accountId !== accountId || request.grantId || request.error || request.isExpired || request.consumed) return 'not_found';
      if (decision === 'deny') {
        await provider.backchannelResult(request, new errors.AccessDenied('the user denied the request'));
        return 'denied';
      }
      const params = (request.params ?? {}) as { authorization_details?: string };
      const rar = parseDetails(params.authorization_details);
      if (params.authorization_details !== undefined && !rar) return 'not_found';
      const grant = new provider.Grant({ accountId, clientId: request.clientId! });
      if (request.scope) grant.addOIDCScope(request.scope);
      const resource = typeof request.resource === 'string' ? request.resource : undefined;
      if (resource) grant.addResourceScope(resource, '');
      for (const detail of rar ?? []) grant.addRar(detail);
      await grant.save();
      await provider.backchannelResult(request, grant, { authTime: Math.floor(Date.now() / 1000), amr: ['pwd'], rar: rar ? [...rar] : undefined });
      return 'approved';
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
