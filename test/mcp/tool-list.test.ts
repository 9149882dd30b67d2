import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from '../../src/index.js';
import type { McpDeps } from '../../src/mcp/server.js';
import { listTools } from '../../src/mcp/server.js';
import { builtinTools } from '../../src/tools/catalog/index.js';

const extra = defineTool({
  name: 'extra_tool',
  title: 'Extra',
  description: 'A tool with nested, optional and defaulted arguments',
  input: z.object({ id: z.string().regex(/^[a-z]+$/), n: z.number().int().max(5).default(2), tags: z.array(z.string()).optional() }).strict(),
  scopes: ['identity:read'],
  risk: 'low',
  async run() {
    return { text: 'ok' };
  },
});

describe('tools/list is answered from a list computed once', () => {
  it('equals what the SDK lists when every tool is registered on each request', async () => {
    const tools = [...builtinTools, extra];
    const precomputed = listTools({ tools, version: '1.0.0' } as unknown as McpDeps);
    const server = new McpServer({ name: 'reference', version: '1.0.0' });
    for (const t of tools) {
      server.registerTool(
        t.name,
        { title: t.title, description: t.description, inputSchema: t.input, annotations: { title: t.title, readOnlyHint: t.readOnly ?? false, destructiveHint: t.risk === 'high', openWorldHint: t.connection !== undefined } },
        (async () => ({ content: [] })) as never,
      );
    }
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(a);
    const client = new Client({ name: 't', version: '1' });
    await client.connect(b);
    const reference = (await client.listTools()).tools;
    expect(JSON.parse(JSON.stringify(precomputed))).toEqual(JSON.parse(JSON.stringify(reference)));
    expect(precomputed.find((t) => t.name === 'extra_tool')!.inputSchema).toMatchObject({ type: 'object', required: ['id'] });
    await client.close();
  });
});
