/**
 * Typed outcomes shared by every layer. Inner layers throw these (with a `cause` for the internal
 * detail); the edges (HTTP challenge, JSON-RPC error, tool error result) translate them exactly once.
 * `message` is written for the client and never contains library text, tokens or secrets.
 */
export type ErrorCode =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'forbidden'
  | 'caller_not_served'
  | 'rate_limited'
  | 'budget_exceeded'
  | 'not_found'
  | 'not_connected'
  | 'connection_scope_missing'
  | 'approval_required'
  | 'approval_pending'
  | 'approval_denied'
  | 'approval_expired'
  | 'approval_invalid'
  | 'approval_consumed'
  | 'approval_interrupted'
  | 'provider_error'
  | 'upstream_unavailable'
  | 'authorization_unavailable'
  | 'vault_unavailable'
  | 'internal_error';

export abstract class GatehouseError extends Error {
  abstract readonly code: ErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Malformed input: nothing was changed. */
export class InvalidRequestError extends GatehouseError {
  readonly code = 'invalid_request';
}

/** Missing, malformed, expired or untrusted bearer token (HTTP 401). */
export class InvalidTokenError extends GatehouseError {
  readonly code = 'invalid_token';
}

/** The token is valid but lacks scopes; `required` lists every scope the call needs (HTTP 403 step-up). */
export class InsufficientScopeError extends GatehouseError {
  readonly code = 'insufficient_scope';
  constructor(
    readonly required: readonly string[],
    message = 'The access token lacks a scope this call needs.',
  ) {
    super(message);
  }
}

/** An authorization check said no. */
export class ForbiddenError extends GatehouseError {
  readonly code = 'forbidden';
}

/**
 * The tool does not serve this kind of caller (e.g. a machine client calling a tool for users): refused
 * before any gate that costs, whatever the arguments.
 */
export class CallerNotServedError extends GatehouseError {
  readonly code = 'caller_not_served';
}

/** Too many calls of this tool by this caller in the window; `retryAfterSeconds` says when to try again. Nothing ran. */
export class RateLimitedError extends GatehouseError {
  readonly code = 'rate_limited';
  constructor(
    readonly retryAfterSeconds: number,
    message = `Too many calls of this tool; retry after ${retryAfterSeconds} s. Nothing was run.`,
  ) {
    super(message);
  }
}

/** The call would take the caller past the tool's cumulative budget, and the tool's policy refuses (rather than asks). Nothing ran. */
export class BudgetExceededError extends GatehouseError {
  readonly code = 'budget_exceeded';
}

/** The thing does not exist — or the caller may not know that it does. */
export class NotFoundError extends GatehouseError {
  readonly code = 'not_found';
}

/** A dependency (JWKS, store, provider) could not be reached; the call was refused, never allowed. */
export class UpstreamUnavailableError extends GatehouseError {
  readonly code = 'upstream_unavailable';
}

/** The authorization engine (FGA) could not answer; fail closed. */
export class AuthorizationUnavailableError extends GatehouseError {
  readonly code = 'authorization_unavailable';
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
  readonly code = 'approval_required';
}

/** The approval was requested and is still open: nothing ran. Calling again with the same arguments resumes it. */
export class ApprovalPendingError extends ApprovalError {
  readonly code = 'approval_pending';
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
  readonly code = 'approval_denied';
}

/** Nobody answered in time (or the approval was not used in time): nothing ran. */
export class ApprovalExpiredError extends ApprovalError {
  readonly code = 'approval_expired';
}

/** The authorization server refused or does not know the request, or its answer did not match this exact call: nothing ran. */
export class ApprovalInvalidError extends ApprovalError {
  readonly code = 'approval_invalid';
}

/** The one execution this approval allowed has already happened (e.g. a concurrent identical call): nothing ran. */
export class ApprovalConsumedError extends ApprovalError {
  readonly code = 'approval_consumed';
}

/**
 * The person's approval reached the server, but the server stopped (crash, restart) or lost the answer
 * before using it: nothing ran, the approval can never be used, and calling again asks anew.
 */
export class ApprovalInterruptedError extends ApprovalError {
  readonly code = 'approval_interrupted';
}

/**
 * The caller has no connected account for a connection a tool needs. Carries the URL of our connect
 * route (a single-use ticket bound to the caller) so the MCP edge can answer with URL elicitation.
 */
export class NotConnectedError extends GatehouseError {
  readonly code = 'not_connected';
  constructor(
    readonly connection: string,
    readonly connectUrl: string,
  ) {
    super(`Connect your ${connectionLabel(connection)} account to use this tool: open ${connectUrl} in your browser, then retry.`);
  }
}

/** The connected account lacks provider scopes the tool needs: the user must consent again. */
export class ConnectionScopeMissingError extends GatehouseError {
  readonly code = 'connection_scope_missing';
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
  readonly code = 'provider_error';
}

/** The token vault (federated token exchange) could not be reached or refused to answer; fail closed. */
export class VaultUnavailableError extends GatehouseError {
  readonly code = 'vault_unavailable';
}

export function connectionLabel(connection: string): string {
  return connection === 'google-oauth2' ? 'Google' : connection;
}

/** A bug or an unexpected state; the client sees only a generic text. */
export class InternalError extends GatehouseError {
  readonly code = 'internal_error';
}

export function isGatehouseError(e: unknown): e is GatehouseError {
  return e instanceof GatehouseError;
}
