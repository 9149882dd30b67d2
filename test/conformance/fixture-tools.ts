import { z } from 'zod';
import { defineTool } from '../../src/tools/define.js';
import { InvalidRequestError } from '../../src/errors.js';

/** The fixture tool the MCP conformance scenario `tools-call-error` calls: it always fails. */
export const testErrorHandling = defineTool({
  name: 'test_error_handling',
  description: 'Conformance fixture: always returns a tool error.',
  input: z.object({}),
  scopes: [],
  risk: 'low',
  async run() {
    throw new InvalidRequestError('This tool always fails (conformance fixture).');
  },
});
