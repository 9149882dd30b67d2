/**
 * Typed outcomes shared by every layer. Inner layers throw these (with a `cause` for the internal
 * detail); the edges (HTTP challenge, JSON-RPC error, tool error result) translate them exactly once.
 * `message` is written for the client and never contains library text, tokens or secrets.
 *
 * Every class has a stable `code`, both on the class (`RateLimitedError.code`) and on its instances
 * (`err.code`), so callers tell outcomes apart by code or by class; the codes form one union,
 * `GatehouseErrorCode`, and `AnyGatehouseError` narrows on `code`. Misuse of the API by a programmer
 * (a bad option, a tool declared wrongly) throws a plain `TypeError` or `ConfigError`, never one of these.
 */
export const GATEHOUSE_ERROR_CODES = [
  'invalid_request',
  'invalid_token',
  'insufficient_scope',
  'forbidden',
  'caller_not_served',
  'rate_limited',
  'budget_exceeded',
  'not_found',
  'not_connected',
  'connection_scope_missing',
  'approval_required',
  'approval_pending',
  'approval_denied',
  'approval_expired',
  'approval_invalid',
  'approval_consumed',
  'approval_interrupted',
  'provider_error',
  'upstream_unavailable',
  'authorization_unavailable',
  'vault_unavailable',
  'shutdown',
  'timeout',
  'circuit_open',
  'overloaded',
  'audit_unavailable',
  'internal_error',
] as const;

/** The stable code of every Gatehouse outcome (the `code` of a tool error result's `structuredContent.error`). */
export type GatehouseErrorCode = (typeof GATEHOUSE_ERROR_CODES)[number];

/** @deprecated Use `GatehouseErrorCode`. */
export type ErrorCode = GatehouseErrorCode;

export abstract class GatehouseError extends Error {
  /** The code every instance of the class carries. */
  declare static readonly code: GatehouseErrorCode;
  /** A stable code for this outcome; equal to the class's static `code`. */
  abstract readonly code: GatehouseErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Malformed input: nothing was changed. */
export class InvalidRequestError extends GatehouseError {
  static override readonly code = 'invalid_request';
  readonly code = InvalidRequestError.code;
}

/** Missing, malformed, expired or untrusted bearer token (HTTP 401). */
export class InvalidTokenError extends GatehouseError {
  static override readonly code = 'invalid_token';
  readonly code = InvalidTokenError.code;
}

/** The token is valid but lacks scopes; `required` lists every scope the call needs (HTTP 403 step-up). */
export class InsufficientScopeError extends GatehouseError {
  static override readonly code = 'insufficient_scope';
  readonly code = InsufficientScopeError.code;
  constructor(
    readonly required: readonly string[],
    message = 'The access token lacks a scope this call needs.',
  ) {
    super(message);
  }
}

/** An authorization check said no. */
export class ForbiddenError extends GatehouseError {
  static override readonly code = 'forbidden';
  readonly code = ForbiddenError.code;
}

/**
 * The tool does not serve this kind of caller (e.g. a machine client calling a tool for users): refused
 * before any gate that costs, whatever the arguments.
 */
export class CallerNotServedError extends GatehouseError {
  static override readonly code = 'caller_not_served';
  readonly code = CallerNotServedError.code;
}

/** Too many calls of this tool by this caller in the window; `retryAfterSeconds` says when to try again. Nothing ran. */
export class RateLimitedError extends GatehouseError {
  static override readonly code = 'rate_limited';
  readonly code = RateLimitedError.code;
  constructor(
    readonly retryAfterSeconds: number,
    message = `Too many calls of this tool; retry after ${retryAfterSeconds} s. Nothing was run.`,
  ) {
    super(message);
  }
}

/** The call would take the caller past the tool's cumulative budget, and the tool's policy refuses (rather than asks). Nothing ran. */
export class BudgetExceededError extends GatehouseError {
  static override readonly code = 'budget_exceeded';
  readonly code = BudgetExceededError.code;
}

/** The thing does not exist — or the caller may not know that it does. */
export class NotFoundError extends GatehouseError {
  static override readonly code = 'not_found';
  readonly code = NotFoundError.code;
}

/** A dependency (JWKS, store, provider) could not be reached; the call was refused, never allowed. */
export class UpstreamUnavailableError extends GatehouseError {
  static override readonly code = 'upstream_unavailable';
  readonly code = UpstreamUnavailableError.code;
}

/** The authorization engine (FGA) could not answer; fail closed. */
export class AuthorizationUnavailableError extends GatehouseError {
  static override readonly code = 'authorization_unavailable';
  readonly code = AuthorizationUnavailableError.code;
}

/** An approval outcome; `approvalId` (when one exists) links the refusal to the ledger and the audit log. */
export abstract class ApprovalError extends GatehouseError {
  readonly approvalId?: string | undefined;
  constructor(message: string, options?: { cause?: unknown; approvalId?: string | undefined }) {
    super(message, options);
    this.approvalId = options?.approvalId;
  }
}

/** The tool needs a human approval that this caller cannot give (e.g. a machine client with no user). */
export class ApprovalRequiredError extends ApprovalError {
  static override readonly code = 'approval_required';
  readonly code = ApprovalRequiredError.code;
}

/** The approval was requested and is still open: nothing ran. Calling again with the same arguments resumes it. */
export class ApprovalPendingError extends ApprovalError {
  static override readonly code = 'approval_pending';
  readonly code = ApprovalPendingError.code;
  constructor(
    approvalId: string,
    readonly expiresAt: Date,
    bindingMessage: string,
  ) {
    super(
      `Waiting for your approval on your trusted device ("${bindingMessage}"). Approval ${approvalId} is open until ${expiresAt.toISOString()}; ` +
        'call this tool again with the same arguments to continue once approved. Nothing was done yet.',
      { approvalId },
    );
  }
}

/** The person said no: nothing ran. */
export class ApprovalDeniedError extends ApprovalError {
  static override readonly code = 'approval_denied';
  readonly code = ApprovalDeniedError.code;
}

/** Nobody answered in time (or the approval was not used in time): nothing ran. */
export class ApprovalExpiredError extends ApprovalError {
  static override readonly code = 'approval_expired';
  readonly code = ApprovalExpiredError.code;
}

/** The authorization server refused or does not know the request, or its answer did not match this exact call: nothing ran. */
export class ApprovalInvalidError extends ApprovalError {
  static override readonly code = 'approval_invalid';
  readonly code = ApprovalInvalidError.code;
}

/** The one execution this approval allowed has already happened (e.g. a concurrent identical call): nothing ran. */
export class ApprovalConsumedError extends ApprovalError {
  static override readonly code = 'approval_consumed';
  readonly code = ApprovalConsumedError.code;
}

/**
 * The person's approval reached the server, but the server stopped (crash, restart) or lost the answer
 * before using it: nothing ran, the approval can never be used, and calling again asks anew.
 */
export class ApprovalInterruptedError extends ApprovalError {
  static override readonly code = 'approval_interrupted';
  readonly code = ApprovalInterruptedError.code;
}

/**
 * The caller has no connected account for a connection a tool needs. Carries the URL of our connect
 * route (a single-use ticket bound to the caller) so the MCP edge can answer with URL elicitation.
 */
export class NotConnectedError extends GatehouseError {
  static override readonly code = 'not_connected';
  readonly code = NotConnectedError.code;
  constructor(
    readonly connection: string,
    readonly connectUrl: string,
  ) {
    super(`Connect your ${connectionLabel(connection)} account to use this tool: open ${connectUrl} in your browser, then retry.`);
  }
}

/** The connected account lacks provider scopes the tool needs: the user must consent again. */
export class ConnectionScopeMissingError extends GatehouseError {
  static override readonly code = 'connection_scope_missing';
  readonly code = ConnectionScopeMissingError.code;
  constructor(
    readonly connection: string,
    readonly missing: readonly string[],
    readonly connectUrl: string,
  ) {
    super(`Your connected ${connectionLabel(connection)} account has not granted a permission this tool needs: open ${connectUrl} to reconnect it and allow it, then retry.`);
  }
}

/** The third-party API (e.g. Google) failed or refused the exchanged token. */
export class ProviderError extends GatehouseError {
  static override readonly code = 'provider_error';
  readonly code = ProviderError.code;
}

/** The token vault (federated token exchange) could not be reached or refused to answer; fail closed. */
export class VaultUnavailableError extends GatehouseError {
  static override readonly code = 'vault_unavailable';
  readonly code = VaultUnavailableError.code;
}

/**
 * An upstream (FGA, the token vault, My Account API, CIBA, a provider API) did not answer within its
 * deadline: the call was refused and nothing was done. `upstream` names it (`fga`, `vault`, ...).
 */
export class UpstreamTimeoutError extends GatehouseError {
  static override readonly code = 'timeout';
  readonly code = UpstreamTimeoutError.code;
  constructor(
    readonly upstream: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The upstream failed repeatedly, so its circuit breaker refuses calls for a while without calling it: nothing was done. */
export class CircuitOpenError extends GatehouseError {
  static override readonly code = 'circuit_open';
  readonly code = CircuitOpenError.code;
  constructor(
    readonly upstream: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Too many calls are already waiting on the upstream (its bulkhead is full): refused at once, nothing was done. */
export class UpstreamOverloadedError extends GatehouseError {
  static override readonly code = 'overloaded';
  readonly code = UpstreamOverloadedError.code;
  constructor(
    readonly upstream: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function connectionLabel(connection: string): string {
  return connection === 'google-oauth2' ? 'Google' : connection;
}

/**
 * The server was stopping and the drain time ran out (or a second stop signal came) before the call
 * ended: the call was cut. Its `run` may or may not have acted; the audit entry's decisions tell
 * whether every gate had allowed it. Calling again (on another instance, or after the restart) is safe
 * for calls that were still waiting for an approval; for others, check before repeating.
 */
export class ShutdownError extends GatehouseError {
  static override readonly code = 'shutdown';
  readonly code = ShutdownError.code;
}

/**
 * The call's audit entry could not be written (the Store did not answer): whatever the call did, its
 * result is withheld, since nothing is answered that is not audited. Read-only tools can be called
 * again; for tools with side effects, check before repeating.
 */
export class AuditUnavailableError extends GatehouseError {
  static override readonly code = 'audit_unavailable';
  readonly code = AuditUnavailableError.code;
}

/** A bug or an unexpected state; the client sees only a generic text. */
export class InternalError extends GatehouseError {
  static override readonly code = 'internal_error';
  readonly code = InternalError.code;
}

export function isGatehouseError(e: unknown): e is GatehouseError {
  return e instanceof GatehouseError;
}

/** Every concrete outcome; `code` discriminates (`if (e.code === 'rate_limited') e.retryAfterSeconds`). */
export type AnyGatehouseError =
  | InvalidRequestError
  | InvalidTokenError
  | InsufficientScopeError
  | ForbiddenError
  | CallerNotServedError
  | RateLimitedError
  | BudgetExceededError
  | NotFoundError
  | NotConnectedError
  | ConnectionScopeMissingError
  | ApprovalRequiredError
  | ApprovalPendingError
  | ApprovalDeniedError
  | ApprovalExpiredError
  | ApprovalInvalidError
  | ApprovalConsumedError
  | ApprovalInterruptedError
  | ProviderError
  | UpstreamUnavailableError
  | AuthorizationUnavailableError
  | VaultUnavailableError
  | ShutdownError
  | UpstreamTimeoutError
  | CircuitOpenError
  | UpstreamOverloadedError
  | AuditUnavailableError
  | InternalError;
