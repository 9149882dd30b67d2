/**
 * The public surface of Gatehouse as a library: define tools with their policy, start the server
 * with them, and the typed outcomes callers may meet. Everything else is internal.
 */
export { startGatehouse, type Gatehouse, type GatehouseOptions } from './app.js';
export { loadConfig, ConfigError, type Config } from './config.js';
export { defineTool, type ToolDefinition, type ToolContext, type ToolOutput, type AnyTool, type Risk } from './tools/define.js';
export { builtinTools } from './tools/catalog/index.js';
export type { Caller } from './identity/caller.js';
export { SCOPES, type Scope } from './identity/scopes.js';
export * from './errors.js';
