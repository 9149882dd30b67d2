import { ulid } from 'ulid';
import type { AuditLog } from '../audit/audit-log.js';
import {
  ApprovalConsumedError,
  ApprovalDeniedError,
  ApprovalExpiredError,
  ApprovalInvalidError,
  ApprovalPendingError,
  GatehouseError,
  UpstreamUnavailableError,
} from '../errors.js';
import type { ToolCall } from '../gates/gate.js';
import type { Logger } from '../log.js';
import type { ApprovalLedger, ApprovalRecord } from './approval-ledger.js';
import { buildAuthorizationDetails, describeCall } from './authorization-details.js';
import { bindingMessage } from './binding-message.js';
import type { CibaClient } from './ciba-client.js';

export interface ApprovalFlowOptions {
  readonly ledger: ApprovalLedger;
  readonly ciba: CibaClient;
  readonly audit: AuditLog;
  readonly logger: Logger;
  /** How long one tool call waits for the answer before returning "pending". */
  readonly waitSeconds: number;
  /** requested_expiry sent to the authorization server (1..300). */
  readonly expirySeconds: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface ApprovalFlow {
  /** Resolves with the approved (not yet consumed) ledger record for exactly this call, or throws. */
  obtain(call: ToolCall): Promise<ApprovalRecord>;
}

export const WAITING_MESSAGE = 'Waiting for approval on your device…';
/** CIBA's default poll interval when the server names none, and its slow_down step. */
const DEFAULT_INTERVAL_MS = 5000;
const SLOW_DOWN_STEP_MS = 5000;
/** A `starting` row older than this belongs to an instance that died mid-request. */
const STALE_START_MS = 30_000;
const MAX_SLEEP_MS = 1000;

/**
 * The approval flow of one call: resume the open approval for this digest or start one (CIBA with RAR),
 * then poll — one poller at a time across instances, at the server's interval, backing off on
 * slow_down — while sending progress, until approved, refused, expired, or the wait is over.
 */
export function createApprovalFlow(opts: ApprovalFlowOptions): ApprovalFlow {
  const { ledger, ciba, audit } = opts;
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? abortableSleep;

  const resolved = (r: ApprovalRecord, decision: string, extra: Record<string, unknown> = {}) =>
    audit.append('approval_resolved', { approvalId: r.id, tool: r.tool, sub: r.sub, digest: r.digest, decision, ...extra });

  const close = (r: ApprovalRecord, status: 'denied' | 'expired' | 'failed', reason: string) => {
    if (ledger.close(r.id, status, reason, now())) resolved(r, status, { reason });
  };

  async function start(call: ToolCall): Promise<ApprovalRecord> {
    const id = ulid();
    const description = describeCall(call.tool, call.args);
    const details = buildAuthorizationDetails({ tool: call.tool, args: call.args, digest: call.digest, resource: call.resource }, description);
    const message = bindingMessage(description.summary ?? description.action, id.slice(-6));
    const createdAt = now();
    const reserved = ledger.reserve({
      id,
      digest: call.digest,
      tool: call.tool.name,
      sub: call.caller.sub,
      resource: call.resource,
      bindingMessage: message,
      details: JSON.stringify(details),
      createdAt,
      expiresAt: createdAt + opts.expirySeconds * 1000,
      intervalMs: DEFAULT_INTERVAL_MS,
    });
    if (!reserved) {
      const open = ledger.findOpen(call.digest);
      if (open) return open;
      throw new UpstreamUnavailableError('The approval could not be recorded; nothing was run.');
    }
    const reserve = ledger.get(id)!;
    let started;
    try {
      started = await ciba.authorize({ sub: call.caller.sub, bindingMessage: message, authorizationDetails: details, requestedExpiry: opts.expirySeconds });
    } catch (e) {
      close(reserve, 'failed', e instanceof GatehouseError ? e.code : 'error');
      throw e;
    }
    const t = now();
    const intervalMs = Math.max(1, started.interval ?? DEFAULT_INTERVAL_MS / 1000) * 1000;
    const expiresAt = t + Math.min(started.expiresIn, opts.expirySeconds) * 1000;
    if (!ledger.started(id, started.authReqId, expiresAt, intervalMs, t + intervalMs)) {
      throw new UpstreamUnavailableError('The approval could not be recorded; nothing was run.');
    }
    audit.append('approval_requested', {
      approvalId: id,
      tool: call.tool.name,
      sub: call.caller.sub,
      client: call.caller.clientId,
      digest: call.digest,
      bindingMessage: message,
      authorizationDetails: details,
      expiresAt: new Date(expiresAt).toISOString(),
    });
    opts.logger.info({ approvalId: id, tool: call.tool.name, sub: call.caller.sub }, 'approval requested');
    return ledger.get(id)!;
  }

  async function openOrStart(call: ToolCall): Promise<ApprovalRecord> {
    const open = ledger.findOpen(call.digest);
    if (open && open.status === 'starting' && now() - open.createdAt > STALE_START_MS) {
      close(open, 'failed', 'abandoned while starting');
    } else if (open) {
      // The digest covers tool, arguments, sub and resource; check the row agrees anyway (fail closed).
      if (open.sub !== call.caller.sub || open.tool !== call.tool.name || open.resource !== call.resource) {
        throw new ApprovalInvalidError('The open approval does not belong to this call; nothing was run.');
      }
      return open;
    }
    return start(call);
  }

  /** One token request, its answer written to the ledger. Returns false when the server could not be reached. */
  async function pollOnce(r: ApprovalRecord, call: ToolCall): Promise<boolean> {
    let outcome;
    try {
      outcome = await ciba.poll(r.authReqId!);
    } catch (e) {
      opts.logger.warn({ approvalId: r.id, err: e instanceof GatehouseError ? e.code : 'error' }, 'approval poll failed');
      return false;
    }
    switch (outcome.kind) {
      case 'pending':
        break;
      case 'slow_down': {
        const intervalMs = Math.max(r.intervalMs + SLOW_DOWN_STEP_MS, (outcome.retryAfterSeconds ?? 0) * 1000);
        ledger.slowDown(r.id, intervalMs, now() + intervalMs);
        opts.logger.info({ approvalId: r.id, intervalMs }, 'approval poll: slow_down');
        break;
      }
      case 'approved': {
        let verified;
        try {
          verified = await ciba.verify(outcome.accessToken, { sub: call.caller.sub, digest: r.digest, resource: r.resource });
        } catch (e) {
          if (e instanceof ApprovalInvalidError) close(r, 'failed', 'approved token did not match the call');
          throw e;
        }
        if (ledger.approved(r.id, verified.approvedBy, verified.approvedAt, verified.validUntil)) {
          resolved(r, 'approved', { approvedBy: verified.approvedBy, approvedAt: new Date(verified.approvedAt).toISOString() });
        }
        break;
      }
      case 'denied':
        close(r, now() >= r.expiresAt ? 'expired' : 'denied', 'the user did not approve');
        break;
      case 'expired':
        close(r, 'expired', 'nobody approved in time');
        break;
      case 'invalid': {
        // Another instance may have redeemed the same request a moment ago: only a still-pending row fails.
        const again = ledger.get(r.id);
        if (again?.status === 'pending') close(again, 'failed', `authorization server: ${outcome.reason}`);
        break;
      }
    }
    return true;
  }

  return {
    async obtain(call) {
      const deadline = now() + opts.waitSeconds * 1000;
      let record = await openOrStart(call);
      let reachable = true;
      let lastProgress = -Infinity;
      for (;;) {
        record = ledger.get(record.id)!;
        const id = record.id;
        switch (record.status) {
          case 'approved':
            if (record.validUntil! > now()) return record;
            close(record, 'expired', 'approved but not used in time');
            throw new ApprovalExpiredError('The approval was given but not used in time; nothing was run. Call again to ask anew.', { approvalId: id });
          case 'consumed':
            throw new ApprovalConsumedError('This approval has already been used for one execution; nothing more was run. Call again to ask for a new approval.', { approvalId: id });
          case 'denied':
            throw new ApprovalDeniedError('The request was denied on your device; nothing was run.', { approvalId: id });
          case 'expired':
            throw new ApprovalExpiredError('Nobody approved the request in time; nothing was run. Call again to ask anew.', { approvalId: id });
          case 'failed':
            throw new ApprovalInvalidError(`The approval could not be completed (${record.reason ?? 'unknown request'}); nothing was run.`, { approvalId: id });
          case 'starting':
            break;
          case 'pending':
            if (now() >= record.expiresAt) {
              close(record, 'expired', 'nobody approved in time');
              continue;
            }
            if (ledger.claimPoll(id, now())) {
              reachable = await pollOnce(record, call);
              continue;
            }
        }
        if (now() >= deadline || call.signal.aborted) {
          if (!reachable) throw new UpstreamUnavailableError('The authorization server could not be reached to check the approval; nothing was run. Call again to retry.');
          throw new ApprovalPendingError(id, new Date(record.expiresAt), record.bindingMessage);
        }
        if (now() - lastProgress >= Math.min(record.intervalMs, 5000)) {
          lastProgress = now();
          await call.progress(`${WAITING_MESSAGE} ("${record.bindingMessage}")`);
        }
        const wait = Math.min(Math.max(record.nextPollAt - now(), 50), MAX_SLEEP_MS, Math.max(deadline - now(), 0));
        await sleep(wait, call.signal);
      }
    },
  };
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
