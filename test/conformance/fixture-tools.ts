/**
 * The tools the MCP conformance suite calls by name. They exist only in tests: the conformance test
 * passes them to the test-only no-auth Gatehouse (GATEHOUSE_INSECURE_NO_AUTH) as extra tools; no normal
 * start registers them. Each one is an ordinary defineTool tool, so every call still goes through the
 * gate chain and the audit log like any other tool.
 */
import { z } from 'zod';
import { InvalidRequestError } from '../../src/errors.js';
import { type AnyTool, defineTool } from '../../src/tools/define.js';

/** `tools-call-simple-text`: text content only. */
export const testSimpleText = defineTool({
  name: 'test_simple_text',
  description: 'Conformance fixture: returns a fixed text.',
  input: z.object({}).strict(),
  scopes: [],
  risk: 'low',
  readOnly: true,
  async run() {
    return { text: 'This is a simple text response for testing.' };
  },
});

/** `tools-call-error`: always a tool error (isError), never a JSON-RPC error. */
export const testErrorHandling = defineTool({
  name: 'test_error_handling',
  description: 'Conformance fixture: always returns a tool error.',
  input: z.object({}).strict(),
  scopes: [],
  risk: 'low',
  readOnly: true,
  async run() {
    throw new InvalidRequestError('This tool always fails (conformance fixture).');
  },
});

/** `tools-call-with-progress`: three progress notifications for the request's progress token, then text. */
export const testToolWithProgress = defineTool({
  name: 'test_tool_with_progress',
  description: 'Conformance fixture: reports progress three times, then returns.',
  input: z.object({}).strict(),
  scopes: [],
  risk: 'low',
  readOnly: true,
  async run(_args, ctx) {
    for (const step of ['started', 'halfway', 'done']) await ctx.progress(step);
    return { text: 'Progress reported three times.' };
  },
});

/**
 * `server-stateless` (2026-07-28), check `sep-2575-server-no-log-without-loglevel`: a tool that runs
 * to completion so the suite can see that no `notifications/message` reaches a request that set no
 * log level. Gatehouse never sends log messages to clients at all.
 */
export const testLoggingTool = defineTool({
  name: 'test_logging_tool',
  description: 'Conformance fixture: runs and returns; Gatehouse sends no log notifications.',
  input: z.object({}).strict(),
  scopes: [],
  risk: 'low',
  readOnly: true,
  async run() {
    return { text: 'Done without logging to the client.' };
  },
});

/**
 * `server-stateless` (2026-07-28), check `sep-2575-http-server-no-independent-requests-on-stream`: the
 * suite inspects every frame of this call's response stream for server-to-client requests. Gatehouse
 * tools cannot ask the client for input (its only elicitation is URL mode from the connect and approval
 * gates), so the fixture streams what a Gatehouse tool can stream — progress notifications — and returns.
 */
export const testStreamingElicitation = defineTool({
  name: 'test_streaming_elicitation',
  description: 'Conformance fixture: streams progress notifications, then returns.',
  input: z.object({}).strict(),
  scopes: [],
  risk: 'low',
  readOnly: true,
  async run(_args, ctx) {
    await ctx.progress('working');
    await ctx.progress('finishing');
    return { text: 'Streamed progress only.' };
  },
});

/** Every fixture, for the test-only no-auth Gatehouse. */
export const conformanceFixtureTools: readonly AnyTool[] = [testSimpleText, testErrorHandling, testToolWithProgress, testLoggingTool, testStreamingElicitation];
