import type { z } from 'zod';
import type { BearerCredential, Caller } from '../identity/caller.js';
import type { Scope } from '../identity/scopes.js';

export type Risk = 'low' | 'medium' | 'high';

/** What a tool's `run` receives besides its arguments. There is no way to call `run` without a Caller. */
export interface ToolContext {
  readonly caller: Caller;
  readonly signal: AbortSignal;
  progress(message: string): Promise<void>;
  /** What the gates granted this one call (the provider session from connect, the approval from approve). */
  readonly grants: Grants;
  /** Record non-secret facts about how `run` served the call (e.g. a retrieval plan) in its audit entry; never sent to the caller. */
  audit?(detail: Record<string, unknown>): void;
}

/**
 * What the gates hand a tool's `run` for one call, each set only when its gate allowed the call with
 * something to hand over: `connection` when the tool declares a connection, `approval` when the call
 * needed (and got) a person's approval.
 */
export interface Grants {
  readonly connection?: ConnectionGrant | undefined;
  readonly approval?: ApprovalGrant | undefined;
}

/**
 * What `run` finds under `grants.connection` once the connect gate obtained a provider token for the
 * caller's connected account. Defined with the tool contract so tools read it without importing the vault.
 */
export interface ConnectionGrant {
  readonly connection: string;
  readonly connectedAccountId?: string;
  readonly scopes: readonly string[];
  /** The provider access token (redacted in logs and JSON). Prefer `fetch`, which also handles a 401. */
  readonly accessToken: BearerCredential;
  /** Calls the provider API at `path` (relative to the connection's API base URL) with the token. */
  fetch(path: string, init?: { method?: string; body?: unknown; query?: Record<string, string> }): Promise<Response>;
}

/**
 * What `run` finds under `grants.approval` once the approve gate redeemed a person's approval.
 * Defined with the tool contract so tools read it without importing the gates.
 */
export interface ApprovalGrant {
  readonly id: string;
  readonly approvedBy: string;
  readonly approvedAt: string;
}

/** A tool's result, mapped to MCP content by src/mcp (text, structuredContent, resource links). */
export interface ToolOutput {
  readonly text: string;
  readonly structured?: Record<string, unknown> | undefined;
  readonly links?: readonly { uri: string; name: string; description?: string | undefined; mimeType?: string | undefined }[] | undefined;
}

/** FGA policy: which relation the caller needs on which object, derived from the arguments. */
export interface AuthorizePolicy<A> {
  readonly relation: string;
  readonly object: (args: A, caller: Caller) => string;
}

/** Token Vault policy: which connected account, with which provider scopes. */
export interface ConnectionPolicy {
  readonly connection: string;
  readonly scopes: readonly string[];
}

/** Approval policy: always, or a predicate on the arguments (e.g. amount above a limit). */
export type ApprovalPolicy<A> = 'always' | ((args: A) => boolean);

/** Which kinds of caller a tool serves: signed-in users (`user`), machine clients (`client`), or both. */
export type CallerKind = 'user' | 'client';

/** An amount of money (or any countable unit) named by an ISO 4217-style code. */
export interface Amount {
  readonly value: number;
  readonly currency: string;
}

/**
 * Budget policy: a cumulative limit per user, per currency, per rolling window. Every call that passes
 * the budget check reserves its amount atomically in the Store; the reservation becomes spent when the
 * tool ran, and is released when the call ends without running (refused, denied, pending, failed).
 * A call that would take the user past `limit[currency]` — or whose currency has no limit — is
 * `over`: it then needs the user's approval (`over: 'approve'`) or is refused (`over: 'refuse'`).
 * An approved call still counts against the budget once it ran.
 */
export interface BudgetPolicy<A> {
  readonly amount: (args: A) => Amount;
  readonly limit: Readonly<Record<string, number>>;
  readonly windowSeconds: number;
  readonly over: 'approve' | 'refuse';
}

/** Rate-limit policy: at most `perMinute` calls of this tool per caller (user or client) in any 60 s. */
export interface RateLimitPolicy {
  readonly perMinute: number;
}

/**
 * How a tool's approval reads, from typed, validated fields only: no argument is ever pasted into a
 * sentence. `verb` and `instruction` are the tool's own fixed words; amounts, merchants, recipients and
 * facts are rendered by the approvals module (currency minor units, merchant allow-list, recipient
 * count); free text (item names, subjects, bodies) goes in `texts` and is shown only as quoted,
 * labelled data with control and bidi characters removed. The binding message is built from `verb`,
 * the amount or the recipients, never from free text.
 */
export interface ApprovalDescription {
  /** One or two fixed words for the binding message, e.g. "Pay", "Email" (letters and spaces, at most 20). */
  readonly verb: string;
  /** A fixed sentence, e.g. "Approve a purchase from the demo merchant" (not built from arguments). */
  readonly instruction: string;
  readonly amount?: { readonly value: number; readonly currency: string } | undefined;
  /** The merchant named by the call; shown by name only when listed in `knownMerchants`. */
  readonly merchant?: { readonly name: string; readonly knownMerchants: readonly string[] } | undefined;
  /** Validated addresses (e.g. z.email()); all of them are shown, the count and the first go in the binding message. */
  readonly recipients?: { readonly label: string; readonly addresses: readonly string[] } | undefined;
  /** Short typed values (numbers, ISO instants, identifiers matching a pattern), shown on one line each. */
  readonly facts?: readonly { readonly key: string; readonly label: string; readonly value: string | number }[] | undefined;
  /** Free text, shown quoted and labelled; `multiline` keeps line breaks (an email body) on the device page. */
  readonly texts?: readonly { readonly key: string; readonly label: string; readonly text: string; readonly multiline?: boolean | undefined }[] | undefined;
}

export interface ToolDefinition<S extends z.ZodObject = z.ZodObject> {
  readonly name: string;
  readonly title?: string | undefined;
  readonly description: string;
  readonly input: S;
  /** Every scope the call needs. The 401/403 challenges and the scopes gate use this list. */
  readonly scopes: readonly Scope[];
  readonly risk: Risk;
  /** Kinds of caller this tool serves; users only when absent. Checked before every other gate. */
  readonly callers?: readonly CallerKind[] | undefined;
  /** Per-caller calls per minute; unlimited when absent. */
  readonly rateLimit?: RateLimitPolicy | undefined;
  /** Cumulative per-user limit; over it the call needs approval (or is refused), see BudgetPolicy. */
  readonly budget?: BudgetPolicy<z.infer<S>> | undefined;
  readonly authorize?: AuthorizePolicy<z.infer<S>> | undefined;
  readonly connection?: ConnectionPolicy | undefined;
  readonly approval?: ApprovalPolicy<z.infer<S>> | undefined;
  /** How an approval request describes a call; derived generically from the arguments when absent. */
  readonly describeApproval?: ((args: z.infer<S>) => ApprovalDescription) | undefined;
  /** MCP annotations (hints for clients); derived from `risk` when absent. */
  readonly readOnly?: boolean | undefined;
  run(args: z.infer<S>, ctx: ToolContext): Promise<ToolOutput>;
}

/** A tool of any input shape (the catalogue's element type). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTool = ToolDefinition<any>;

/** Tools serve signed-in users only unless they say otherwise. */
export const DEFAULT_CALLERS: readonly CallerKind[] = Object.freeze(['user']);

/**
 * Declare a tool with its whole policy next to its input schema, so a policy change is a one-line
 * diff. The gate chain enforces every field; `run` only executes after all gates allowed it.
 */
export function defineTool<S extends z.ZodObject>(def: ToolDefinition<S>): ToolDefinition<S> {
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(def.name)) throw new TypeError(`defineTool: invalid tool name "${def.name}"`);
  if (def.risk === 'high' && def.approval === undefined) {
    throw new TypeError(`defineTool: high-risk tool "${def.name}" must declare an approval policy`);
  }
  const callers = def.callers ?? DEFAULT_CALLERS;
  if (!callers.length || callers.some((k) => k !== 'user' && k !== 'client')) throw new TypeError(`defineTool: tool "${def.name}" must serve 'user' and/or 'client' callers`);
  if (def.rateLimit && !(Number.isInteger(def.rateLimit.perMinute) && def.rateLimit.perMinute > 0)) throw new TypeError(`defineTool: tool "${def.name}" rateLimit.perMinute must be a positive integer`);
  if (def.budget) {
    const { limit, windowSeconds, over } = def.budget;
    if (!(Number.isInteger(windowSeconds) && windowSeconds > 0)) throw new TypeError(`defineTool: tool "${def.name}" budget.windowSeconds must be a positive integer`);
    if (over !== 'approve' && over !== 'refuse') throw new TypeError(`defineTool: tool "${def.name}" budget.over must be 'approve' or 'refuse'`);
    for (const [currency, value] of Object.entries(limit)) {
      if (!/^[A-Z]{3}$/.test(currency) || !(Number.isFinite(value) && value >= 0)) throw new TypeError(`defineTool: tool "${def.name}" budget.limit has an invalid entry for "${currency}"`);
    }
  }
  return Object.freeze({ ...def, callers: Object.freeze([...callers]) });
}
