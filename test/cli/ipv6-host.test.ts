/**
 * The CLI reaches a running embedded stack bound to the IPv6 loopback (GATEHOUSE_HOST=::1): the
 * commands take their URLs from the same resolution as the server instead of pasting the host
 * into `http://${host}:${port}` (which is no URL for an IPv6 address).
 */
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, tempDir, type TestGatehouse } from '../helpers/bootstrap.js';

const run = promisify(execFile);

describe('the CLI against a stack on GATEHOUSE_HOST=::1', () => {
  let gh: TestGatehouse;
  const src = tempDir();
  beforeAll(async () => {
    gh = await startTestGatehouse({ GATEHOUSE_HOST: '::1' });
  });
  afterAll(async () => {
    await gh?.stop();
    rmSync(src, { recursive: true, force: true });
  });

  const cli = (...args: string[]) =>
    run(process.execPath, ['bin/gatehouse-dev.mjs', ...args], {
      env: {
        ...process.env,
        GATEHOUSE_HOST: '::1',
        GATEHOUSE_PORT: new URL(gh.mcpUrl).port,
        GATEHOUSE_AUTH_PORT: new URL(gh.issuer).port,
        GATEHOUSE_FGA_PORT: new URL(gh.fga!.url).port,
        GATEHOUSE_DATA_DIR: gh.dataDir,
        GATEHOUSE_LOG_LEVEL: 'silent',
      },
    });

  it('the server names itself with a bracketed host', () => {
    expect(gh.mcpUrl).toMatch(/^http:\/\/\[::1\]:\d+\/mcp$/);
    expect(gh.issuer).toMatch(/^http:\/\/\[::1\]:\d+$/);
  });

  it('`gatehouse token` signs in and prints a token for this server', async () => {
    const { stdout } = await cli('token', '--user', 'alice');
    const claims = decodeJwt(stdout.trim());
    expect(claims).toMatchObject({ iss: gh.issuer, sub: 'alice' });
    expect([claims.aud].flat()).toContain(gh.mcpUrl);
    const r = await fetch(gh.mcpUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${stdout.trim()}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
    });
    expect(r.status).toBe(200);
  });

  it('`gatehouse approvals list` reaches the authorization server', async () => {
    const { stdout } = await cli('approvals', 'list', '--user', 'alice');
    expect(stdout).toBe('no approval requests waiting for alice\n');
  });

  it('`gatehouse docs add` writes its tuples to the embedded FGA', async () => {
    writeFileSync(join(src, 'ipv6-notes.md'), '# IPv6 notes\n\nThe loopback is ::1.');
    const { stdout } = await cli('docs', 'add', join(src, 'ipv6-notes.md'), '--folder', 'eng', '--owner', 'user:alice');
    expect(stdout).toContain('created   document:ipv6-notes');
    expect(await gh.authorizer.check({ user: 'user:alice', relation: 'owner', object: 'document:ipv6-notes' })).toBe(true);
  });
});
