import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log.js';
import { AuditUnavailableError, GatehouseError, RateLimitedError, ShutdownError, UpstreamUnavailableError } from '../errors.js';
import { failSpan, inSpan, SpanKind, traceIdOf } from '../telemetry/spans.js';
import type { AnyTool, Grants, ToolOutput } from '../tools/define.js';
import { approvalNeeded } from './approve.js';
import { SKIP, type CallGrants, type Gate, type GateDecision, type ToolCall, type Verdict } from './gate.js';

/**
 * The one place that orders the gates: callers -> scopes -> rate limit -> authorize (FGA) ->
 * connect (Token Vault) -> budget -> approve (CIBA) -> run. Cheapest first; each gate may stop the
 * call. The budget comes right before approve, which asks for approval when the tool's approval
 * policy or the budget verdict says so.
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

/** A call walked through the gates: every decision made, in order, and how it ended. */
export type Walk =
  | { readonly decisions: readonly GateDecision[]; readonly grants: CallGrants; readonly ok: true; readonly output: ToolOutput }
  | { readonly decisions: readonly GateDecision[]; readonly grants: CallGrants; readonly ok: false; readonly error: unknown };

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
  /**
   * Asks each gate in order and records its decision; the first that stops the call ends it (what
   * earlier gates reserved is released), else `run` gets the call and its grants. Writes nothing,
   * never throws.
   */
  walk(call: ToolCall, run: (call: ToolCall, grants: CallGrants) => Promise<ToolOutput>): Promise<Walk>;
  /**
   * One tool call end to end: the walk with the tool's own `run`, then the call's one `tool_call`
   * audit entry (who, tool, digest, every gate's decision, the facts `run` recorded, the result) —
   * never the arguments. Returns a typed outcome, never throws.
   */
  execute(call: ToolCall, audit: AuditLog): Promise<ChainOutcome>;
}

/**
 * Optional observer (metrics): each gate's own time and decision, and how each executed call ended
 * (`ok` or the refusal's code).
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
  const ordered: readonly Gate[] = [gates.callers, gates.scopes, gates.rateLimit, gates.authorize, gates.connect, gates.budget, gates.approve];
  const { observe, stop } = opts;

  /** One gate's decision, timed for the observer and traced as a `gate <name>` span (child of the call's). */
  const evaluate = (gate: Gate, call: ToolCall, grants: CallGrants): Promise<Verdict> =>
    inSpan(`gate ${gate.name}`, { 'gatehouse.gate': gate.name }, async (span) => {
      const t0 = observe ? performance.now() : 0;
      const verdict = await gate.evaluate(call, grants).catch((error: unknown): Verdict => ({ decision: 'error', error }));
      observe?.gate(gate.name, verdict.decision, (performance.now() - t0) / 1000);
      span.setAttribute('gatehouse.decision', verdict.decision);
      if ('error' in verdict) failSpan(span, verdict.error instanceof GatehouseError ? verdict.error.code : 'internal_error');
      return verdict;
    });

  /** The walk, recording into `decisions` as it goes (so a cut call still has the decisions made so far). */
  const walkInto = async (call: ToolCall, run: (call: ToolCall, grants: CallGrants) => Promise<ToolOutput>, decisions: GateDecision[]): Promise<Walk> => {
    let grants: CallGrants = {};
    const releases: (() => Promise<void>)[] = [];
    for (const gate of ordered) {
      const verdict = await evaluate(gate, call, grants);
      decisions.push(verdict.detail === undefined ? { gate: gate.name, decision: verdict.decision } : { gate: gate.name, decision: verdict.decision, detail: verdict.detail });
      if ('error' in verdict) {
        for (const release of releases.reverse()) {
          try {
            await release();
          } catch {
            // The refusal stands: a reservation that could not be released only counts against the caller.
          }
        }
        return { decisions, grants, ok: false, error: verdict.error };
      }
      if (verdict.grant) grants = { ...grants, ...verdict.grant };
      if (verdict.release) releases.push(verdict.release);
    }
    try {
      return { decisions, grants, ok: true, output: await run(call, grants) };
    } catch (error) {
      return { decisions, grants, ok: false, error };
    }
  };
  const walk: Chain['walk'] = (call, run) => walkInto(call, run, []);

  /**
   * Traced as one `tools/call <tool>` server span (a child of the trace context the transport made
   * current), its gates and upstream calls as children; the audit entry carries its trace id.
   */
  const execute: Chain['execute'] = (call, audit) =>
    inSpan(`tools/call ${call.tool.name}`, { 'mcp.method.name': 'tools/call', 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': call.tool.name }, async (span) => {
      const outcome = await executeTraced(call, audit, traceIdOf(span));
      const label = outcome.kind === 'ok' ? 'ok' : outcome.code;
      observe?.call(call.tool.name, label);
      span.setAttribute('gatehouse.outcome', label);
      if (outcome.kind !== 'ok') failSpan(span, outcome.code);
      return outcome;
    }, SpanKind.SERVER);

  const executeTraced = async (call: ToolCall, audit: AuditLog, traceId: string | undefined): Promise<ChainOutcome> => {
    const { caller, tool } = call;
    const ran: Record<string, unknown> = {};
    const record = (detail: Record<string, unknown>) => void Object.assign(ran, detail);
    const decisions: GateDecision[] = [];
    const cut = stop && stopped(stop);
    const gated = cut ? { ...call, signal: AbortSignal.any([call.signal, stop!]) } : call;
    const walking = walkInto(gated, (c, grants) => c.tool.run(c.args, { caller: c.caller, signal: c.signal, progress: c.progress, grants: toolGrants(grants), audit: record }), decisions);
    let walked = await (cut ? Promise.race([walking, cut.promise.catch((error: unknown): Walk => ({ decisions, grants: {}, ok: false, error }))]) : walking);
    cut?.dispose();
    // After the cut, an untyped failure (an AbortError from a tool honouring its signal) is the cut itself.
    if (!walked.ok && stop?.aborted && !(walked.error instanceof GatehouseError)) walked = { ...walked, error: cutError(stop) };
    const entry = (result: Record<string, unknown>) =>
      audit.append('tool_call', {
        sub: caller.sub,
        kind: caller.kind,
        client: caller.clientId,
        org: caller.orgId ?? null,
        tool: tool.name,
        digest: call.digest,
        decisions: walked.decisions,
        ...(Object.keys(ran).length ? { run: ran } : {}),
        ...result,
        ...(traceId ? { traceId } : {}),
      });
    // Nothing is answered that is not audited: when the entry cannot be written, the result (or the
    // refusal) is withheld behind one fixed error; the Store's own message stays in the log.
    const unaudited = (cause: unknown): ChainOutcome => ({
      kind: 'refused',
      error: new AuditUnavailableError('The call could not be recorded in the audit log, so its result is withheld. Read-only tools can be called again; check before repeating one with side effects.', { cause }),
      code: AuditUnavailableError.code,
      reference: randomUUID(),
    });
    if (walked.ok) {
      try {
        await entry({ result: 'ok' });
      } catch (cause) {
        return unaudited(cause);
      }
      return { kind: 'ok', output: walked.output };
    }
    const { error } = walked;
    if (error instanceof RateLimitedError) return { kind: 'rejected', error, code: 'rate_limited' };
    const reference = randomUUID();
    const code = error instanceof GatehouseError ? error.code : 'internal_error';
    try {
      await entry({ result: 'error', error: code, reference });
    } catch (cause) {
      return unaudited(cause);
    }
    return { kind: 'refused', error, code, reference };
  };

  return { walk, execute };
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
function toolGrants({ connection, approval }: CallGrants): Grants {
  return { ...(connection ? { connection } : {}), ...(approval ? { approval } : {}) };
}

/**
 * The slot of a gate whose capability is not configured. Start-up already refuses (or drops) a tool
 * that declares its policy (app/runnable-tools.ts); this is the fail-closed backstop should one reach
 * the chain anyway. Tools without the policy pass.
 */
export function requireNoPolicy(name: string, declared: (tool: AnyTool) => boolean): Gate {
  return {
    name,
    async evaluate(call) {
      if (!declared(call.tool)) return SKIP;
      return { decision: 'error', detail: { reason: `${name} gate not configured` }, error: new GateNotConfiguredError(name) };
    },
  };
}

/**
 * The approve slot when no approval service is configured: a call that needs approval — by the tool's
 * policy or by its budget verdict — is refused (fail closed; start-up refuses such tools already, so
 * this is a backstop); every other call passes.
 */
export const approvalNotConfigured: Gate = {
  name: 'approve',
  async evaluate(call, granted) {
    if (call.tool.approval === undefined && !approvalNeeded(call, granted)) return SKIP;
    return { decision: 'error', detail: { reason: 'approve gate not configured' }, error: new GateNotConfiguredError('approve') };
  },
};

/** A tool declared a policy whose gate this deployment does not run: refuse (fail closed). */
export class GateNotConfiguredError extends UpstreamUnavailableError {
  constructor(gate: string) {
    super(`This tool needs the ${gate} gate, which is not configured on this server; it was not run.`);
  }
}
