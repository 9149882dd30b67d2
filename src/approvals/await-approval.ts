import type { ToolCallDetail } from './authorization-details.js';
import { ulid } from 'ulid';
import type { AuditLog } from '../audit/audit-log.js';
import {
  ApprovalConsumedError,
  ApprovalDeniedError,
  ApprovalExpiredError,
  ApprovalInterruptedError,
  ApprovalInvalidError,
  ApprovalPendingError,
  GatehouseError,
  UpstreamUnavailableError,
} from '../errors.js';
import type { Caller } from '../identity/caller.js';
import type { Logger } from '../log.js';
import type { AnyTool } from '../tools/define.js';
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
  readonly hooks?: ApprovalHooks;
  /**
   * Aborted when the server starts draining: every wait ends at its next step with the resumable
   * `approval_pending` (the ledger row stays open, so the same call resumes it on any instance).
   */
  readonly stopWaiting?: AbortSignal;
}

/**
 * Test-only pause points inside the flow (crash tests stop the process there). Passed in code by a
 * test's own start script; no configuration or request can set them.
 */
export interface ApprovalHooks {
  /** The authorization server answered with the approved token; the ledger has not recorded it yet. */
  readonly tokenReceived?: (approvalId: string) => Promise<void>;
}

/**
 * What the approval flow reads of a tool call. The gates' ToolCall has these fields; approvals stay
 * below the gates and never import them.
 */
export interface ApprovalSubject {
  readonly tool: AnyTool;
  readonly args: Record<string, unknown>;
  readonly caller: Caller;
  /** The canonical MCP URL the call arrived at (the token audience). */
  readonly resource: string;
  /** Digest of (tool, canonical args, sub, resource): the approval is bound to it. */
  readonly digest: string;
  readonly signal: AbortSignal;
  progress(message: string): Promise<void>;
}

export interface ApprovalFlow {
  /** Resolves with the approved (not yet consumed) ledger record for exactly this call, or throws. */
  obtain(call: ApprovalSubject): Promise<ApprovalRecord>;
  /**
   * Settles redemptions left behind by a process that died (lease run out): asks the authorization
   * server once for each and records approved / pending / denied / expired / interrupted. Never throws;
   * stops at the first unreachable answer (the rows stay for the next caller); returns how many it settled.
   */
  reconcile(): Promise<number>;
}

export const WAITING_MESSAGE = 'Waiting for approval on your device…';
/** CIBA's default poll interval when the server names none, and its slow_down step. */
const DEFAULT_INTERVAL_MS = 5000;
const SLOW_DOWN_STEP_MS = 5000;
/** A `starting` row older than this belongs to an instance that died mid-request. */
const STALE_START_MS = 30_000;
const MAX_SLEEP_MS = 1000;
/**
 * How long one token request (and the check of its token) may own a `redeeming` row: longer than the
 * token request's timeout (10 s) plus the key fetch (5 s). A row still `redeeming` after that belongs
 * to a process that died (or hung) between sending the request and recording the answer.
 */
export const REDEEM_LEASE_MS = 20_000;
/** An interruption nobody was told about is reported to the next identical call within this time. */
const REPORT_INTERRUPTED_FOR_MS = 24 * 3600_000;

/** The reason recorded when a redemption's process died between receiving the answer and recording it. */
const RESTARTED = 'the server stopped between receiving the approval and recording it';

/** "12:03 UTC": times in messages meant for the person. */
export function clockTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 16)} UTC`;
}

/** What the person reads when their approval was received but never used. */
export function interruptedMessage(r: ApprovalRecord): string {
  const received = r.redeemingAt ?? r.createdAt;
  const why = r.reason === RESTARTED ? 'the server restarted before using it' : `it could not be used (${r.reason ?? 'unknown'})`;
  return (
    `Your approval at ${clockTime(received)} was received but ${why}; approve again: call this tool again to send a new request to your device. ` +
    `Nothing was run (approval ${r.id}, requested at ${clockTime(r.createdAt)}).`
  );
}

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

  const close = async (r: ApprovalRecord, status: 'denied' | 'expired' | 'failed', reason: string, lease?: string) => {
    if (await ledger.close(r.id, status, reason, now(), lease)) await resolved(r, status, { reason });
  };

  async function start(call: ApprovalSubject): Promise<ApprovalRecord> {
    const id = ulid();
    const description = describeCall(call.tool, call.args);
    const details = buildAuthorizationDetails({ tool: call.tool, args: call.args, digest: call.digest, resource: call.resource }, description);
    const message = bindingMessage(description.summary ?? description.action, id.slice(-6));
    const createdAt = now();
    const reserved = await ledger.reserve({
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
      const open = await ledger.findOpen(call.digest);
      if (open) return open;
      throw new UpstreamUnavailableError('The approval could not be recorded; nothing was run.');
    }
    const reserve = (await ledger.get(id))!;
    let started;
    try {
      started = await ciba.authorize({ sub: call.caller.sub, bindingMessage: message, authorizationDetails: details, requestedExpiry: opts.expirySeconds });
    } catch (e) {
      await close(reserve, 'failed', e instanceof GatehouseError ? e.code : 'error');
      throw e;
    }
    const t = now();
    const intervalMs = Math.max(1, started.interval ?? DEFAULT_INTERVAL_MS / 1000) * 1000;
    const expiresAt = t + Math.min(started.expiresIn, opts.expirySeconds) * 1000;
    if (!(await ledger.started(id, started.authReqId, expiresAt, intervalMs, t + intervalMs))) {
      throw new UpstreamUnavailableError('The approval could not be recorded; nothing was run.');
    }
    await audit.append('approval_requested', {
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
    return (await ledger.get(id))!;
  }

  async function openOrStart(call: ApprovalSubject): Promise<ApprovalRecord> {
    // An interruption settled without this call (by the start-up reconcile) is told to the next call once.
    const untold = await ledger.takeUnreported(call.digest, now() - REPORT_INTERRUPTED_FOR_MS, now());
    if (untold && untold.sub === call.caller.sub) throw new ApprovalInterruptedError(interruptedMessage(untold), { approvalId: untold.id });
    const open = await ledger.findOpen(call.digest);
    if (open && open.status === 'starting' && now() - open.createdAt > STALE_START_MS) {
      await close(open, 'failed', 'abandoned while starting');
    } else if (open) {
      // The digest covers tool, arguments, sub and resource; check the row agrees anyway (fail closed).
      if (open.sub !== call.caller.sub || open.tool !== call.tool.name || open.resource !== call.resource) {
        throw new ApprovalInvalidError('The open approval does not belong to this call; nothing was run.');
      }
      return open;
    }
    return start(call);
  }

  /**
   * One token request under a lease, written ahead as `redeeming`; only the lease holder records the
   * answer. `takenOver`: the row was left redeeming by a request whose answer is unknown (its process
   * died, or the answer was lost), so "already used" means that answer carried the approval.
   * Returns false when the server could not be reached.
   */
  async function redeem(r: ApprovalRecord, lease: string, takenOver: boolean): Promise<boolean> {
    let outcome;
    try {
      outcome = await ciba.poll(r.authReqId!);
    } catch (e) {
      opts.logger.warn({ approvalId: r.id, err: e instanceof GatehouseError ? e.code : 'error' }, 'approval poll failed');
      await ledger.defer(r.id, lease, now() + r.intervalMs, 'the answer to the token request was lost');
      return false;
    }
    switch (outcome.kind) {
      case 'pending':
        await ledger.release(r.id, lease);
        break;
      case 'slow_down': {
        const intervalMs = Math.max(r.intervalMs + SLOW_DOWN_STEP_MS, (outcome.retryAfterSeconds ?? 0) * 1000);
        await ledger.slowDown(r.id, lease, intervalMs, now() + intervalMs);
        opts.logger.info({ approvalId: r.id, intervalMs }, 'approval poll: slow_down');
        break;
      }
      case 'approved': {
        await opts.hooks?.tokenReceived?.(r.id);
        let verified;
        try {
          // The token must carry exactly the details the person was shown, not merely the same digest.
          verified = await ciba.verify(outcome.accessToken, { sub: r.sub, digest: r.digest, resource: r.resource, details: JSON.parse(r.details) as ToolCallDetail[] });
        } catch (e) {
          if (e instanceof ApprovalInvalidError) await close(r, 'failed', 'approved token did not match the call', lease);
          else await ledger.defer(r.id, lease, now(), 'the approved token could not be checked');
          throw e;
        }
        if (await ledger.approved(r.id, lease, verified.approvedBy, verified.approvedAt, verified.validUntil)) {
          await resolved(r, 'approved', { approvedBy: verified.approvedBy, approvedAt: new Date(verified.approvedAt).toISOString() });
        } else {
          opts.logger.warn({ approvalId: r.id }, 'approval received after this redemption was taken over; not used');
        }
        break;
      }
      case 'denied':
        await close(r, now() >= r.expiresAt ? 'expired' : 'denied', 'the user did not approve', lease);
        break;
      case 'expired':
        await close(r, 'expired', 'nobody approved in time', lease);
        break;
      case 'invalid':
        // After an unknown answer, "this request is used up" means that answer carried the approval.
        if (takenOver && outcome.error === 'invalid_grant') await interrupt(r, lease);
        else await close(r, 'failed', `authorization server: ${outcome.reason}`, lease);
        break;
    }
    return true;
  }

  /** The approval reached a request whose answer was never recorded: audited, never usable. */
  async function interrupt(r: ApprovalRecord, lease: string): Promise<void> {
    const reason = r.reason ?? RESTARTED; // set on take-over, or by defer()
    if (!(await ledger.interrupt(r.id, lease, reason, now()))) return;
    const rec = (await ledger.get(r.id))!;
    await audit.append('approval_interrupted', {
      approvalId: r.id,
      tool: r.tool,
      askedUser: r.sub,
      digest: r.digest,
      requestedAt: new Date(r.createdAt).toISOString(),
      approvalReceivedAt: new Date(rec.redeemingAt ?? r.createdAt).toISOString(),
      reason,
    });
    opts.logger.warn({ approvalId: r.id, tool: r.tool, sub: r.sub }, 'approval interrupted: received but never used');
  }

  /** Takes over a redemption whose lease ran out and asks the server again. */
  async function takeOver(r: ApprovalRecord): Promise<boolean | undefined> {
    const lease = ulid();
    if (!(await ledger.takeOver(r.id, now(), lease, now() + REDEEM_LEASE_MS, RESTARTED))) return undefined;
    return redeem((await ledger.get(r.id))!, lease, true);
  }

  return {
    async obtain(call) {
      const deadline = now() + opts.waitSeconds * 1000;
      const signal = opts.stopWaiting ? AbortSignal.any([call.signal, opts.stopWaiting]) : call.signal;
      let record = await openOrStart(call);
      let reachable = true;
      let lastProgress = -Infinity;
      for (;;) {
        record = (await ledger.get(record.id))!;
        const id = record.id;
        switch (record.status) {
          case 'approved':
            if (record.validUntil! > now()) return record;
            await close(record, 'expired', 'approved but not used in time');
            throw new ApprovalExpiredError('The approval was given but not used in time; nothing was run. Call again to ask anew.', { approvalId: id });
          case 'consumed':
            throw new ApprovalConsumedError('This approval has already been used for one execution; nothing more was run. Call again to ask for a new approval.', { approvalId: id });
          case 'denied':
            throw new ApprovalDeniedError('The request was denied on your device; nothing was run.', { approvalId: id });
          case 'expired':
            throw new ApprovalExpiredError('Nobody approved the request in time; nothing was run. Call again to ask anew.', { approvalId: id });
          case 'failed':
            throw new ApprovalInvalidError(`The approval could not be completed (${record.reason ?? 'unknown request'}); nothing was run.`, { approvalId: id });
          case 'interrupted':
            await ledger.markReported(id, now());
            throw new ApprovalInterruptedError(interruptedMessage(record), { approvalId: id });
          case 'starting':
            break;
          case 'redeeming':
            if (record.leaseUntil! <= now()) {
              const answered = await takeOver(record);
              if (answered !== undefined) reachable = answered;
              continue;
            }
            break;
          case 'pending':
            if (now() >= record.expiresAt) {
              await close(record, 'expired', 'nobody approved in time');
              continue;
            }
            {
              const lease = ulid();
              if (await ledger.claimRedeem(id, now(), lease, now() + REDEEM_LEASE_MS)) {
                reachable = await redeem((await ledger.get(id))!, lease, false);
                continue;
              }
            }
        }
        if (now() >= deadline || signal.aborted) {
          if (!reachable) throw new UpstreamUnavailableError('The authorization server could not be reached to check the approval; nothing was run. Call again to retry.');
          throw new ApprovalPendingError(id, new Date(record.expiresAt), record.bindingMessage);
        }
        if (now() - lastProgress >= Math.min(record.intervalMs, 5000)) {
          lastProgress = now();
          await call.progress(`${WAITING_MESSAGE} ("${record.bindingMessage}")`);
        }
        const due = record.status === 'redeeming' ? record.leaseUntil! : record.nextPollAt;
        const wait = Math.min(Math.max(due - now(), 50), MAX_SLEEP_MS, Math.max(deadline - now(), 0));
        await sleep(wait, signal);
      }
    },

    async reconcile() {
      let settled = 0;
      for (const r of await ledger.staleRedemptions(now())) {
        try {
          const answered = await takeOver(r);
          if (answered === false) break; // the server is unreachable: leave the rest to the retries
          if (answered) settled++;
        } catch (e) {
          opts.logger.warn({ approvalId: r.id, err: e instanceof GatehouseError ? e.code : 'error' }, 'approval reconcile failed');
        }
      }
      return settled;
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
