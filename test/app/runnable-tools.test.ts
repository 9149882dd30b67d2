/**
 * A tool whose policy needs a gate this deployment does not run (a connected account without the
 * Token Vault, an approval without CIBA) is settled at start-up, not refused call by call: the
 * operator's own such tool stops the start with a message naming the tool and the variables to set;
 * a built-in one is dropped with a warning, and the server still serves every tool that can run.
 */
import { Writable } from 'node:stream';
import { z } from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { defineTool } from '../../src/tools/define.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { connectWithToken } from '../helpers/mcp-client.js';

/** An Auth0 tenant nobody answers for: nothing at start-up may need it. */
const AUTH0_ONLY = { AUTH0_DOMAIN: '127.0.0.1:9' };
const WITH_SERVER_CLIENT = { ...AUTH0_ONLY, AUTH0_CLIENT_ID: 'server-client', AUTH0_CLIENT_SECRET: 'server-secret' };

const readDrive = defineTool({
  name: 'read_drive',
  description: 'Read a file from the user’s drive.',
  input: z.object({}).strict(),
  scopes: ['identity:read'],
  risk: 'low',
  connection: { connection: 'google-oauth2', scopes: ['https://www.googleapis.com/auth/drive.readonly'] },
  run: async () => ({ text: 'file' }),
});
const wire = defineTool({
  name: 'wire_money',
  description: 'Send money.',
  input: z.object({}).strict(),
  scopes: ['identity:read'],
  risk: 'high',
  approval: 'always',
  run: async () => ({ text: 'sent' }),
});

/** Over its budget, a call asks a person (CIBA) or is refused, per `over`. */
const spend = (over: 'approve' | 'refuse') =>
  defineTool({
    name: `spend_${over}`,
    description: 'Spend from a budget.',
    input: z.object({ amount: z.number() }).strict(),
    scopes: ['identity:read'],
    risk: 'medium',
    budget: { amount: (a) => ({ value: a.amount, currency: 'USD' }), limit: { USD: 100 }, windowSeconds: 60, over },
    run: async () => ({ text: 'spent' }),
  });

function capture() {
  const lines: { msg: string; tool?: string }[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { logger: createLogger('warn', stream), lines };
}

let gh: TestGatehouse | undefined;
afterEach(async () => {
  await gh?.stop();
  gh = undefined;
});

describe('tools whose gate is not configured, at start-up', () => {
  it('refuses to start with an own tool that needs a connected account but no Custom API Client is set', async () => {
    const start = startTestGatehouse(WITH_SERVER_CLIENT, { extraTools: [readDrive] });
    await expect(start).rejects.toBeInstanceOf(ConfigError);
    await expect(start).rejects.toThrow(
      'Invalid configuration:\n  - tool "read_drive" needs a connected account (google-oauth2), but the Token Vault is not configured: set AUTH0_CUSTOM_API_CLIENT_ID and AUTH0_CUSTOM_API_CLIENT_SECRET',
    );
  });

  it('names every own tool that cannot run and everything missing when only AUTH0_DOMAIN is set', async () => {
    const start = startTestGatehouse(AUTH0_ONLY, { tools: [readDrive, wire] });
    await expect(start).rejects.toThrow(
      'Invalid configuration:\n' +
        '  - tool "read_drive" needs a connected account (google-oauth2), but the Token Vault is not configured: set AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET and AUTH0_CUSTOM_API_CLIENT_ID and AUTH0_CUSTOM_API_CLIENT_SECRET\n' +
        '  - tool "wire_money" needs an approval policy, but CIBA is not configured: set AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET',
    );
  });

  it('refuses to start with an own tool that asks for approval over its budget when CIBA is not configured; one that refuses over budget needs no approval and is served', async () => {
    await expect(startTestGatehouse(AUTH0_ONLY, { tools: [spend('approve'), spend('refuse')] })).rejects.toThrow(
      'Invalid configuration:\n  - tool "spend_approve" needs approval over its budget, but CIBA is not configured: set AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET',
    );
    gh = await startTestGatehouse({ ...AUTH0_ONLY, GATEHOUSE_INSECURE_NO_AUTH: '1' }, { tools: [spend('refuse')] });
    const client = await connectWithToken(gh.mcpUrl);
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['spend_refuse']);
    } finally {
      await client.close();
    }
  });

  it('starts with only AUTH0_DOMAIN set, serving the built-in tools that can run and warning about the others', async () => {
    const { logger, lines } = capture();
    gh = await startTestGatehouse({ ...AUTH0_ONLY, GATEHOUSE_INSECURE_NO_AUTH: '1' }, { logger });
    const client = await connectWithToken(gh.mcpUrl);
    try {
      const names = (await client.listTools()).tools.map((t) => t.name).sort();
      expect(names).toEqual(['read_document', 'search_documents', 'whoami']);
    } finally {
      await client.close();
    }
    const dropped = lines.filter((l) => l.msg.startsWith('built-in tool'));
    expect(dropped.map((l) => l.tool).sort()).toEqual(['create_calendar_event', 'list_calendar_events', 'purchase', 'send_email']);
    expect(dropped.find((l) => l.tool === 'purchase')?.msg).toBe(
      'built-in tool "purchase" needs an approval policy, but CIBA is not configured: set AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET; it is not served',
    );
  });

  it('with the server client but no Custom API Client, keeps purchase (CIBA runs) and drops only the connected tools', async () => {
    const { logger, lines } = capture();
    gh = await startTestGatehouse({ ...WITH_SERVER_CLIENT, GATEHOUSE_INSECURE_NO_AUTH: '1' }, { logger });
    const client = await connectWithToken(gh.mcpUrl);
    try {
      expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['purchase', 'read_document', 'search_documents', 'whoami']);
    } finally {
      await client.close();
    }
    expect(lines.filter((l) => l.msg.startsWith('built-in tool')).map((l) => l.tool).sort()).toEqual(['create_calendar_event', 'list_calendar_events', 'send_email']);
  });

  it('the embedded stack runs every gate, so every tool is served and a connected own tool starts fine', async () => {
    const { logger, lines } = capture();
    gh = await startTestGatehouse({ GATEHOUSE_INSECURE_NO_AUTH: '1' }, { logger, extraTools: [readDrive, wire] });
    const client = await connectWithToken(gh.mcpUrl);
    try {
      expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual([
        'create_calendar_event', 'list_calendar_events', 'purchase', 'read_document', 'read_drive', 'search_documents', 'send_email', 'whoami', 'wire_money',
      ]);
    } finally {
      await client.close();
    }
    expect(lines.filter((l) => l.msg.startsWith('built-in tool'))).toEqual([]);
  });
});
