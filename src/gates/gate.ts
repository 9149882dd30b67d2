import type { BearerCredential, Caller } from '../identity/caller.js';
import type { AnyTool, ApprovalGrant, ConnectionGrant, ToolOutput } from '../tools/define.js';

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
  /** What gates leave on the call: for `run` (connection, approval) and for later gates (budget). */
  readonly grants: CallGrants;
}

/** The budget gate's verdict, left on the call for the approve gate (which asks for approval when over). */
export interface BudgetVerdict {
  readonly over: boolean;
  readonly amount: number;
  readonly currency: string;
  readonly used: number;
  readonly limit: number | null;
  readonly windowSeconds: number;
}

/** Set by the gates as they allow a call; `run` sees `connection` and `approval` only (ToolContext.grants). */
export interface CallGrants {
  connection?: ConnectionGrant;
  approval?: ApprovalGrant;
  budget?: BudgetVerdict;
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
