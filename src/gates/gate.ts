import type { BearerCredential, Caller } from '../identity/caller.js';
import type { AnyTool, ToolOutput } from '../tools/define.js';

/** One gate's verdict on one call, kept for the audit log. */
export interface GateDecision {
  readonly gate: string;
  readonly decision: 'allow' | 'deny' | 'skip' | 'pending' | 'error';
  /** Non-secret facts: objects checked, connection used, approval id... */
  readonly detail?: Record<string, unknown>;
}

/** Everything a gate may see about a call. The bearer credential never reaches a tool's `run`. */
export interface ToolCall {
  readonly tool: AnyTool;
  readonly args: Record<string, unknown>;
  readonly caller: Caller;
  readonly credential: BearerCredential;
  /** The canonical MCP URL this call arrived at (the token audience). */
  readonly resource: string;
  /** Digest of (tool, canonical args, sub, resource): binds approvals and audit entries to this call. */
  readonly digest: string;
  readonly signal: AbortSignal;
  progress(message: string): Promise<void>;
  /** Gates record their verdicts here; the chain writes them to the audit log. */
  readonly decisions: GateDecision[];
  /** Values gates hand to `run` (e.g. the provider token from the connect gate). */
  readonly grants: Map<string, unknown>;
}

/**
 * A gate, like an OpenFGA check resolver: it either throws a typed error (deny), or calls `next()`
 * and returns its result. Gates are ordered in one place, gates/chain.ts.
 */
export interface Gate {
  readonly name: string;
  evaluate(call: ToolCall, next: () => Promise<ToolOutput>): Promise<ToolOutput>;
}

const started = new WeakSet<ToolCall>();

/** Set by the chain when every gate allowed the call and its `run` is entered. */
export function markRunStarted(call: ToolCall): void {
  started.add(call);
}

/** Whether this call's `run` was entered (so the tool may have acted, even if it then failed). */
export function runStarted(call: ToolCall): boolean {
  return started.has(call);
}
