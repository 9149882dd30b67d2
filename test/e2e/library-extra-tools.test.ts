import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from '../../src/index.js';
import { loadConfig, startGatehouse } from '../../src/server.js';
import { startTestGatehouse, tempDir, type TestGatehouse } from '../helpers/bootstrap.js';
import { tokenFor } from '../helpers/mcp-client.js';
import { call } from '../helpers/vault.js';
import { silentLogger } from '../../src/log.js';

/** The README's "your own tools" example, through the public surface, gated like the built-ins. */
const readInvoice = defineTool({
  name: 'read_invoice',
  description: 'Read one invoice',
  input: z.object({ id: z.string().regex(/^[a-z0-9-]+$/) }).strict(),
  scopes: ['docs:read'],
  risk: 'low',
  authorize: { relation: 'viewer', object: (a) => `document:${a.id}` },
  async run(args, { caller }) {
    return { text: `invoice ${args.id} for ${caller.sub}` };
  },
});

describe('a team adds its own tool with defineTool', () => {
  let gh: TestGatehouse;
  beforeAll(async () => {
    gh = await startTestGatehouse({}, { extraTools: [readInvoice] });
  });
  afterAll(async () => {
    await gh?.stop();
  });

  it('runs for a caller FGA allows, refuses one it does not, and keeps the built-in catalogue', async () => {
    const bob = await call(gh, await tokenFor(gh, 'bob'), 'read_invoice', { id: 'q3-budget' });
    expect(bob.message.result?.isError).toBeFalsy();
    expect(bob.message.result?.content[0]?.text).toBe('invoice q3-budget for bob');

    const alice = await call(gh, await tokenFor(gh, 'alice'), 'read_invoice', { id: 'q3-budget' });
    expect(alice.message.result?.isError).toBe(true);
    expect(alice.message.result?.structuredContent).toMatchObject({ error: { code: 'forbidden' } });

    const who = await call(gh, await tokenFor(gh, 'alice'), 'whoami');
    expect(who.message.result?.isError).toBeFalsy();
  });

  it('refuses two tools with the same name at start-up', async () => {
    const dataDir = tempDir();
    const config = loadConfig({ GATEHOUSE_PORT: '0', GATEHOUSE_AUTH_PORT: '0', GATEHOUSE_FGA_PORT: '0', GATEHOUSE_PROVIDERS_PORT: '0', GATEHOUSE_DATA_DIR: dataDir });
    try {
      await expect(startGatehouse(config, { logger: silentLogger, extraTools: [readInvoice, readInvoice] })).rejects.toThrow('two tools are named "read_invoice"');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
