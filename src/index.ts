/**
 * The public surface of Gatehouse as a library (`gatehouse`): define tools with their policy, and the
 * typed outcomes callers may meet. Importing it loads no server code; `gatehouse/server` starts one.
 */
export { ConfigError } from './config.js';
export {
  defineTool,
  type ToolDefinition,
  type ToolContext,
  type ToolOutput,
  type AnyTool,
  type Risk,
  type AuthorizePolicy,
  type ConnectionPolicy,
  type ApprovalPolicy,
  type ApprovalDescription,
  type BudgetPolicy,
  type RateLimitPolicy,
  type CallerKind,
  type Amount,
} from './tools/define.js';
export { builtinTools } from './tools/catalog/index.js';
export type { Caller } from './identity/caller.js';
export { SCOPES, type Scope } from './identity/scopes.js';
export * from './errors.js';
