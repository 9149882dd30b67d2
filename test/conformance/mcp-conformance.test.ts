import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { whoami } from '../../src/tools/catalog/identity.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { testErrorHandling } from './fixture-tools.js';

/**
 * The official MCP conformance suite (it needs Node 22, fetched from the npm registry by npx) against
 * Gatehouse in its test-only no-auth mode: the suite's scenarios send no Authorization header. Auth
 * itself is covered by our own tests (the suite has no resource-server auth scenarios).
 */
const SCENARIOS = ['server-initialize', 'ping', 'tools-list', 'tools-call-error', 'dns-rebinding-protection'];

function conformance(url: string, scenario: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['-y', '-p', 'node@22', '-p', '@modelcontextprotocol/conformance@0.1.16', '--', 'conformance', 'server', '--url', url, '--scenario', scenario],
      { timeout: 240_000, env: { ...process.env, NO_COLOR: '1', npm_config_loglevel: 'error' } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}\n${stderr}` }),
    );
  });
}

describe('MCP conformance suite 0.1.16', () => {
  let gh: TestGatehouse;
  beforeAll(async () => {
    gh = await startTestGatehouse({ GATEHOUSE_INSECURE_NO_AUTH: 'true' }, { tools: [whoami, testErrorHandling] });
  });
  afterAll(async () => {
    await gh?.stop();
  });

  for (const scenario of SCENARIOS) {
    it(scenario, { timeout: 300_000 }, async () => {
      const { code, out } = await conformance(gh.mcpUrl, scenario);
      const summary = /Passed: (\d+)\/(\d+), (\d+) failed/.exec(out);
      expect(summary, out).not.toBeNull();
      const [, passed, total, failed] = summary!;
      expect({ passed, failed, code }, out).toEqual({ passed: total, failed: '0', code: 0 });
    });
  }
});
