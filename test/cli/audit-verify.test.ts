import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { callTool, rpc, tokenFor } from '../helpers/mcp-client.js';

const run = promisify(execFile);
const cli = (args: string[], env: Record<string, string>) =>
  run(process.execPath, ['bin/gatehouse-dev.mjs', ...args], { env: { PATH: process.env.PATH ?? '', ...env } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe('gatehouse audit verify (the real CLI) after real tool calls', () => {
  let gh: TestGatehouse;
  beforeAll(async () => {
    gh = await startTestGatehouse();
    const token = await tokenFor(gh, 'bob');
    for (let i = 0; i < 3; i++) await rpc(gh.mcpUrl, callTool('whoami', {}, i + 10), { authorization: `Bearer ${token}` });
  });
  afterAll(async () => {
    await gh?.stop();
  });

  it('every tools/call was audited with who, tool, digest and each gate decision — never the token', () => {
    const entries = gh.audit.recent(10).filter((e) => e.event === 'tool_call');
    expect(entries).toHaveLength(3);
    expect(entries[0]!.data).toMatchObject({
      sub: 'bob',
      kind: 'user',
      org: 'org_acme',
      client: 'gatehouse-cli',
      tool: 'whoami',
      result: 'ok',
      decisions: [
        { gate: 'callers', decision: 'allow', detail: { kind: 'user' } },
        { gate: 'scopes', decision: 'allow', detail: { required: ['identity:read'] } },
        { gate: 'rateLimit', decision: 'skip' },
        { gate: 'authorize', decision: 'skip' },
        { gate: 'connect', decision: 'skip' },
        { gate: 'budget', decision: 'skip' },
        { gate: 'approve', decision: 'skip' },
      ],
    });
    expect(entries[0]!.data.digest).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(entries)).not.toMatch(/eyJ/);
  });

  it('audit show prints who asked, the tool, the result and each gate decision', async () => {
    const r = await cli(['audit', 'show', '--limit', '2'], { GATEHOUSE_DATA_DIR: gh.dataDir });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^#2 \d{4}-\d\d-\d\dT[\d:.]+Z tool_call bob \(org_acme\) via gatehouse-cli called whoami -> ok$/);
    expect(lines[1]).toBe('    callers allow (kind=user) · scopes allow (required=["identity:read"]) · rateLimit skip · authorize skip · connect skip · budget skip · approve skip (reason=no approval policy)');
    expect(lines[2]).toMatch(/^#3 /);
    const json = await cli(['audit', 'show', '--user', 'nobody', '--json'], { GATEHOUSE_DATA_DIR: gh.dataDir });
    expect(JSON.parse(json.stdout)).toEqual([]);
    const bad = await cli(['audit', 'show', '--limit', 'lots'], { GATEHOUSE_DATA_DIR: gh.dataDir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('gatehouse audit: --limit must be a whole number from 1 to 10000\n');
  });

  it('exits 0 on an intact chain and 1 naming the first bad entry after tampering', async () => {
    const env = { GATEHOUSE_DATA_DIR: gh.dataDir };
    const ok = await cli(['audit', 'verify'], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^audit chain intact: 3 entries, head [0-9a-f]{16}…\n$/);

    const db = openDatabase(`${gh.dataDir}/gatehouse.db`);
    db.prepare("UPDATE audit_log SET data = replace(data, 'bob', 'eve') WHERE seq = 2").run();
    db.close();
    const bad = await cli(['audit', 'verify'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('audit chain BROKEN at entry 2: entry content does not match its hash\n');
  });
});
