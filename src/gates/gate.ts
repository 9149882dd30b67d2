import type { BearerCredential, Caller } from '../identity/caller.js';
import type { AnyTool, ApprovalGrant, ConnectionGrant } from '../tools/define.js';

/** One gate's verdict on one call, as the chain records it for the audit log. */
export interface GateDecision {
  readonly gate: string;
  readonly decision: Verdict['decision'];
  /** Non-secret facts: objects checked, connection used, approval id... */
  readonly detail?: Record<string, unknown>;
}

/**
 * One tool call as the transport hands it to the chain. The bearer credential never reaches a tool's
 * `run`. The chain keeps the call's decisions and grants itself: a gate reads this and returns a Verdict.
 */
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
}

/** The budget gate's verdict, handed on to the approve gate (which asks for approval when over). */
export interface BudgetVerdict {
  readonly over: boolean;
  readonly amount: number;
  readonly currency: string;
  readonly used: number;
  readonly limit: number | null;
  readonly windowSeconds: number;
}

/** What the gates that allowed a call granted it: for `run` (connection, approval) and for later gates (budget). */
export interface CallGrants {
  readonly connection?: ConnectionGrant;
  readonly approval?: ApprovalGrant;
  readonly budget?: BudgetVerdict;
}

/**
 * A gate's answer. `allow` / `skip`: the chain records it, adds `grant` to the call's grants and asks
 * the next gate; `release` undoes what the gate reserved if a later gate stops the call before `run`
 * (once `run` started, the tool may have acted and the reservation stays). `deny` / `pending` /
 * `error`: the chain records it and ends the call with `error`, the typed error the caller sees.
 */
export type Verdict =
  | { readonly decision: 'allow' | 'skip'; readonly detail?: Record<string, unknown>; readonly grant?: CallGrants; readonly release?: () => Promise<void> }
  | { readonly decision: 'deny' | 'pending' | 'error'; readonly detail?: Record<string, unknown>; readonly error: unknown };

/**
 * A gate, like an OpenFGA check resolver: it looks at the call (and what earlier gates granted it)
 * and returns its verdict; it never calls the next gate. A gate that throws is recorded as an `error`
 * decision and stops the call like one that returned it. Gates are ordered in one place, gates/chain.ts.
 */
export interface Gate {
  readonly name: string;
  evaluate(call: ToolCall, granted: CallGrants): Promise<Verdict>;
}

/** The verdict of a gate whose policy the tool does not declare. */
export const SKIP: Verdict = { decision: 'skip' };
