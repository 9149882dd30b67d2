import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log.js';
import { GatehouseError, RateLimitedError, ShutdownError, UpstreamUnavailableError } from '../errors.js';
import type { AnyTool, Grants, ToolOutput } from '../tools/define.js';
import { approvalNeeded } from './approve.js';
import { markRunStarted, type Gate, type ToolCall } from './gate.js';

/**
 * The one place that orders the gates: callers -> scopes -> rate limit -> authorize (FGA) ->
 * connect (Token Vault) -> budget -> approve (CIBA) -> run. Cheapest first; each gate may stop the
 * call by throwing a typed error. The budget comes right before approve, which asks for approval when
 * the tool's approval policy or the budget verdict says so.
 */
export interface GateSet {
  readonly callers: Gate;
  readonly scopes: Gate;
  readonly rateLimit: Gate;
  readonly authorize: Gate;
  readonly connect: Gate;
  readonly budget: Gate;
  readonly approve: Gate;
}

/**
 * How a call ended, for the transport to translate. `refused`: a gate or the tool threw; the entry in
 * the audit log carries the same `reference`. `rejected`: the caller is over the tool's rate limit; no
 * `tool_call` entry was written (the transport records it as a `call_rejected` entry).
 */
export type ChainOutcome =
  | { readonly kind: 'ok'; readonly output: ToolOutput }
  | { readonly kind: 'refused'; readonly error: unknown; readonly code: string; readonly reference: string }
  | { readonly kind: 'rejected'; readonly error: RateLimitedError; readonly code: 'rate_limited' };

export interface Chain {
  /** Walks the gates in order, then `run`; a refusing gate's typed error propagates. Writes nothing. */
  (call: ToolCall, run: (call: ToolCall) => Promise<ToolOutput>): Promise<ToolOutput>;
  /**
   * One tool call end to end: the gates, then the tool's `run` with the grants the gates left; writes
   * the call's one `tool_call` audit entry (who, tool, digest, every gate's decision, the facts `run`
   * recorded, the result) — never the arguments — and returns a typed outcome, never throws.
   */
  execute(call: ToolCall, audit: AuditLog): Promise<ChainOutcome>;
}

/**
 * Optional observer (metrics): each gate's own time (until it calls `next` or stops the call) and its
 * decision, and how each executed call ended (`ok` or the refusal's code).
 */
export interface ChainObserver {
  gate(name: string, decision: string, seconds: number): void;
  call(tool: string, outcome: string): void;
}

export interface ChainOptions {
  /**
   * Aborted when the server stops and its drain time is over (or a second stop signal came); its
   * `reason` is a ShutdownError. Every call still in the chain then sees its signal abort and ends at
   * once as that error — audited like any refusal — even if a gate or the tool ignores the signal.
   */
  readonly stop?: AbortSignal;
  readonly observe?: ChainObserver;
}

export function buildChain(gates: GateSet, opts: ChainOptions = {}): Chain {
  const { observe } = opts;
  const ordered: readonly Gate[] = [gates.callers, gates.scopes, gates.rateLimit, gates.authorize, gates.connect, gates.budget, gates.approve];
  const timed = (gate: Gate, call: ToolCall, next: () => Promise<ToolOutput>): Promise<ToolOutput> => {
    if (!observe) return gate.evaluate(call, next);
    const t0 = performance.now();
    let seen = false;
    const done = () => {
      if (seen) return;
      seen = true;
      observe.gate(gate.name, call.decisions.findLast((d) => d.gate === gate.name)?.decision ?? 'none', (performance.now() - t0) / 1000);
    };
    return gate.evaluate(call, () => (done(), next())).finally(done);
  };
  const walk = (call: ToolCall, run: (call: ToolCall) => Promise<ToolOutput>): Promise<ToolOutput> => {
    const step = (i: number): Promise<ToolOutput> => {
      if (i < ordered.length) return timed(ordered[i]!, call, () => step(i + 1));
      markRunStarted(call);
      return run(call);
    };
    return step(0);
  };
  const execute = async (call: ToolCall, audit: AuditLog): Promise<ChainOutcome> => {
    const { caller, tool } = call;
    const ran: Record<string, unknown> = {};
    const record = (detail: Record<string, unknown>) => void Object.assign(ran, detail);
    const entry = (result: Record<string, unknown>) =>
      audit.append('tool_call', {
        sub: caller.sub,
        kind: caller.kind,
        client: caller.clientId,
        org: caller.orgId ?? null,
        tool: tool.name,
        digest: call.digest,
        decisions: call.decisions,
        ...(Object.keys(ran).length ? { run: ran } : {}),
        ...result,
      });
    const cut = opts.stop && stopped(opts.stop);
    try {
      const gated = cut ? { ...call, signal: AbortSignal.any([call.signal, opts.stop!]) } : call;
      const running = walk(gated, (c) => c.tool.run(c.args, { caller: c.caller, signal: c.signal, progress: c.progress, grants: toolGrants(c), audit: record }));
      const output = await (cut ? Promise.race([running, cut.promise]) : running);
      entry({ result: 'ok' });
      observe?.call(tool.name, 'ok');
      return { kind: 'ok', output };
    } catch (thrown) {
      if (thrown instanceof RateLimitedError) {
        observe?.call(tool.name, 'rate_limited');
        return { kind: 'rejected', error: thrown, code: 'rate_limited' };
      }
      // After the cut, an untyped failure (an AbortError from a tool honouring its signal) is the cut itself.
      const error = opts.stop?.aborted && !(thrown instanceof GatehouseError) ? cutError(opts.stop) : thrown;
      const reference = randomUUID();
      const code = error instanceof GatehouseError ? error.code : 'internal_error';
      entry({ result: 'error', error: code, reference });
      observe?.call(tool.name, code);
      return { kind: 'refused', error, code, reference };
    } finally {
      cut?.dispose();
    }
  };
  return Object.assign(walk, { execute });
}

function cutError(signal: AbortSignal): GatehouseError {
  return signal.reason instanceof GatehouseError ? signal.reason : new ShutdownError('The server stopped before this call ended.');
}

/** A promise that rejects with the signal's reason (a ShutdownError) once it aborts; `dispose` stops listening. */
function stopped(signal: AbortSignal): { promise: Promise<never>; dispose(): void } {
  let dispose = () => {};
  const promise = new Promise<never>((_, reject) => {
    const cut = () => reject(cutError(signal));
    if (signal.aborted) return cut();
    signal.addEventListener('abort', cut, { once: true });
    dispose = () => signal.removeEventListener('abort', cut);
  });
  promise.catch(() => undefined);
  return { promise, dispose };
}

/** The grants `run` may see: the budget verdict stays between the gates. */
function toolGrants(call: ToolCall): Grants {
  const { connection, approval } = call.grants;
  return { ...(connection ? { connection } : {}), ...(approval ? { approval } : {}) };
}

/** Used by the slots whose capability is not configured: a tool that declares no such policy passes. */
export function requireNoPolicy(name: string, declared: (tool: AnyTool) => boolean): Gate {
  return {
    name,
    async evaluate(call, next) {
      if (declared(call.tool)) {
        call.decisions.push({ gate: name, decision: 'error', detail: { reason: `${name} gate not configured` } });
        throw new GateNotConfiguredError(name);
      }
      call.decisions.push({ gate: name, decision: 'skip' });
      return next();
    },
  };
}

/**
 * The approve slot when no approval service is configured: a call that needs approval — by the tool's
 * policy or by its budget verdict — is refused (fail closed); every other call passes.
 */
export const approvalNotConfigured: Gate = {
  name: 'approve',
  async evaluate(call, next) {
    if (call.tool.approval !== undefined || approvalNeeded(call)) {
      call.decisions.push({ gate: 'approve', decision: 'error', detail: { reason: 'approve gate not configured' } });
      throw new GateNotConfiguredError('approve');
    }
    call.decisions.push({ gate: 'approve', decision: 'skip' });
    return next();
  },
};

/** A tool declared a policy whose gate this deployment does not run: refuse (fail closed). */
export class GateNotConfiguredError extends UpstreamUnavailableError {
  constructor(gate: string) {
    super(`This tool needs the ${gate} gate, which is not configured on this server; it was not run.`);
  }
}
