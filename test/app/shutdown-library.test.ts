import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DRAINING_MESSAGE } from '../../src/app/shutdown.js';
import { defineTool } from '../../src/index.js';
import { silentLogger } from '../../src/log.js';
import { loadConfig, startGatehouse, type Gatehouse } from '../../src/server.js';
import { errorCodeOf } from '../helpers/approvals.js';
import { tempDir } from '../helpers/bootstrap.js';
import { callTool, connectWithToken, rpc, tokenFor } from '../helpers/mcp-client.js';
import { createSqliteAuditStore } from '../../src/store/sqlite/audit-store.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { join } from 'node:path';

/** `gatehouse/server`'s shutdown(), in process: what a team running Gatehouse in its own process calls on SIGTERM. */
const started: string[] = [];
const hang = defineTool({
  name: 'hang',
  description: 'Never finishes',
  input: z.object({}).strict(),
  scopes: ['identity:read'],
  risk: 'low',
  async run() {
    started.push('hang');
    return new Promise<never>(() => {});
  },
});

let gh: Gatehouse | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await gh?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('startGatehouse(...).shutdown()', () => {
  it('while draining: /mcp and other routes answer 503 (Retry-After, Connection: close), /healthz still answers; a second signal cuts the call in flight as shutdown; then the port is closed', async () => {
    dataDir = tempDir();
    const config = loadConfig({ GATEHOUSE_PORT: '0', GATEHOUSE_AUTH_PORT: '0', GATEHOUSE_FGA_PORT: '0', GATEHOUSE_PROVIDERS_PORT: '0', GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_DRAIN_SECONDS: '600' });
    gh = await startGatehouse(config, { logger: silentLogger, extraTools: [hang] });
    const token = await tokenFor(gh, 'alice');
    const client = await connectWithToken(gh.mcpUrl, token);
    const hanging = client.callTool({ name: 'hang', arguments: {} });
    while (!started.includes('hang')) await new Promise((r) => setTimeout(r, 20));
    expect(gh.draining).toBe(false);

    let cut!: () => void;
    const stopping = gh.shutdown(new Promise<void>((r) => (cut = r)));
    expect(gh.draining).toBe(true);

    const mcp = await rpc(gh.mcpUrl, callTool('whoami'), { authorization: `Bearer ${token}` });
    expect([mcp.status, mcp.headers.get('retry-after'), mcp.headers.get('connection')]).toEqual([503, '5', 'close']);
    expect(await mcp.json()).toEqual({ jsonrpc: '2.0', error: { code: -32000, message: DRAINING_MESSAGE }, id: null });
    const metadata = await fetch(new URL('/.well-known/oauth-protected-resource/mcp', gh.mcpUrl));
    expect(metadata.status).toBe(503);
    expect(await metadata.json()).toEqual({ error: 'shutting_down', error_description: DRAINING_MESSAGE });
    const ready = await fetch(new URL('/readyz', gh.mcpUrl));
    expect([ready.status, await ready.json()]).toEqual([503, { status: 'draining', failing: ['shutdown'] }]);
    const health = await fetch(new URL('/healthz', gh.mcpUrl));
    expect([health.status, health.headers.get('connection'), await health.json()]).toEqual([200, 'close', { status: 'ok' }]);

    cut();
    expect(errorCodeOf(await hanging)).toBe('shutdown');
    expect(await stopping).toEqual({ inFlight: 1, cut: 1, unanswered: 0 });
    // The shutdown signed a last audit checkpoint at the head: the cut call's entry is covered by it.
    const db = openDatabase(join(dataDir, 'gatehouse.db'));
    try {
      const store = createSqliteAuditStore(db);
      const head = await store.head();
      expect(head).toBeDefined();
      expect((await store.checkpoints()).at(-1)).toMatchObject({ seq: head!.seq, hash: head!.hash });
    } finally {
      db.close();
    }
    await expect(fetch(new URL('/healthz', gh.mcpUrl))).rejects.toThrow();
    expect(await gh.shutdown()).toEqual({ inFlight: 1, cut: 1, unanswered: 0 });
    await client.close().catch(() => undefined);
  }, 60_000);

  it('with nothing in flight it stops at once: nothing cut, nothing unanswered', async () => {
    dataDir = tempDir();
    const config = loadConfig({ GATEHOUSE_PORT: '0', GATEHOUSE_AUTH_PORT: '0', GATEHOUSE_FGA_PORT: '0', GATEHOUSE_PROVIDERS_PORT: '0', GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_DRAIN_SECONDS: '600' });
    gh = await startGatehouse(config, { logger: silentLogger });
    expect(await gh.shutdown()).toEqual({ inFlight: 0, cut: 0, unanswered: 0 });
  }, 60_000);
});
