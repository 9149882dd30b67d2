import { execFile } from 'node:child_process';
import { decodeJwt } from 'jose';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function run(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: opts.cwd ?? root, timeout: 120_000, env: { ...process.env, ...opts.env } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The real CLIs a newcomer uses: `gatehouse token` (headless PKCE login) and MCP Inspector's CLI (v1 and 2.x). */
describe('gatehouse token + MCP Inspector CLI', () => {
  let gh: TestGatehouse;
  let env: Record<string, string>;
  beforeAll(async () => {
    gh = await startTestGatehouse();
    env = { GATEHOUSE_PORT: new URL(gh.mcpUrl).port, GATEHOUSE_AUTH_PORT: new URL(gh.issuer).port, GATEHOUSE_DATA_DIR: gh.dataDir };
  });
  afterAll(async () => {
    await gh?.stop();
  });

  it('gatehouse token prints only an access token for the MCP resource', async () => {
    const r = await run(process.execPath, ['bin/gatehouse-dev.mjs', 'token', '--user', 'carol', '--scope', 'identity:read'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(decodeJwt(r.stdout.trim())).toMatchObject({ sub: 'carol', aud: gh.mcpUrl, scope: 'identity:read', iss: gh.issuer });
  });

  it('gatehouse token refuses an unknown user with a usage error', async () => {
    const r = await run(process.execPath, ['bin/gatehouse-dev.mjs', 'token', '--user', 'mallory'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('gatehouse token: --user must be one of alice, bob, carol\n');
  });

  it('Inspector CLI calls whoami with the token', async () => {
    const token = (await run(process.execPath, ['bin/gatehouse-dev.mjs', 'token', '--user', 'alice'], { env })).stdout.trim();
    // The Inspector CLI resolves ../package.json from its working directory: run it from test/.
    const cli = join(root, 'node_modules/@modelcontextprotocol/inspector-cli/build/index.js');
    const args = [cli, gh.mcpUrl, '--transport', 'http', '--method', 'tools/call', '--tool-name', 'whoami'];
    const ok = await run(process.execPath, [...args, '--header', `Authorization: Bearer ${token}`], { cwd: join(root, 'test') });
    expect(ok.code, ok.stderr).toBe(0);
    const result = JSON.parse(ok.stdout);
    expect(result.structuredContent).toMatchObject({ sub: 'alice', organization: 'org_acme', kind: 'user' });
    // Without the token the Inspector gets the 401 and fails.
    const denied = await run(process.execPath, args, { cwd: join(root, 'test') });
    expect(denied.code).toBe(1);
  });

  it('Inspector 2.12 on MCP 2026-07-28 (--protocol-era modern) calls whoami with the token; without it: auth_required', { timeout: 300_000 }, async () => {
    const token = (await run(process.execPath, ['bin/gatehouse-dev.mjs', 'token', '--user', 'alice'], { env })).stdout.trim();
    // Inspector 2.x needs Node >= 22.19: npx fetches Node 22 and the pinned Inspector from the npm registry.
    const inspector = ['-y', '-p', 'node@22', '-p', '@modelcontextprotocol/inspector@2.12.0', '--', 'mcp-inspector', '--cli', gh.mcpUrl, '--transport', 'http', '--protocol-era', 'modern'];
    const call = ['--method', 'tools/call', '--tool-name', 'whoami', '--format', 'json', '--stored-auth-only'];
    const quiet = { NO_COLOR: '1', npm_config_loglevel: 'error' };
    const ok = await run('npx', [...inspector, '--header', `Authorization: Bearer ${token}`, ...call], { env: quiet });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const { result } = JSON.parse(ok.stdout);
    expect(result.structuredContent).toMatchObject({ sub: 'alice', organization: 'org_acme', kind: 'user' });
    // Only a 2026-07-28 result names the server in its own _meta (the 2025 revisions do it once, at initialize).
    expect(result._meta['io.modelcontextprotocol/serverInfo']).toMatchObject({ name: 'gatehouse' });
    const denied = await run('npx', [...inspector, ...call], { env: quiet });
    expect(denied.code).toBe(3);
    expect(JSON.parse(denied.stderr).error.code, denied.stderr).toBe('auth_required');
  });
});
