import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { banner, DEFAULT_MCP_URL, mcpJson } from '../../src/cli/serve.js';
import { loadConfig } from '../../src/config.js';
import type { Gatehouse } from '../../src/app.js';

/** The banner is what a newcomer copies from: its client configuration must name the URL this server listens on. */
const fakeGatehouse = (mcpUrl: string) => ({ mcpUrl, issuer: 'http://127.0.0.1:8788', authServer: {} }) as unknown as Gatehouse;

describe('banner and mcp.json', () => {
  it('the repository mcp.json is exactly the configuration for a default start', () => {
    expect(JSON.parse(readFileSync(new URL('../../mcp.json', import.meta.url), 'utf8'))).toEqual(mcpJson(DEFAULT_MCP_URL));
  });

  it('on the default port the banner points at mcp.json', () => {
    const text = banner(loadConfig({}), fakeGatehouse(DEFAULT_MCP_URL));
    expect(text).toContain(`paste mcp.json into claude_desktop_config.json (uses npx mcp-remote ${DEFAULT_MCP_URL})`);
  });

  it('on another port the banner prints the client entry with that URL and never the default one', () => {
    const url = 'http://127.0.0.1:9911/mcp';
    const text = banner(loadConfig({ GATEHOUSE_PORT: '9911' }), fakeGatehouse(url));
    expect(text).toContain(JSON.stringify({ mcpServers: { 'gatehouse-stdio': { command: 'npx', args: ['-y', 'mcp-remote', url] } } }));
    expect(text).not.toContain('8787');
    expect(text).not.toContain('paste mcp.json');
  });

  it('with GATEHOUSE_ISSUER_URL the banner names the trusted issuer as such, not as Auth0 or a stand-in', () => {
    const gh = { mcpUrl: 'http://127.0.0.1:8797/mcp', issuer: 'http://127.0.0.1:8788' } as unknown as Gatehouse;
    const text = banner(loadConfig({ GATEHOUSE_PORT: '8797', GATEHOUSE_ISSUER_URL: 'http://127.0.0.1:8788' }), gh);
    expect(text).toContain('  Authorization       http://127.0.0.1:8788  (OpenID Connect issuer, GATEHOUSE_ISSUER_URL)\n');
    expect(text).not.toContain('Demo users');
  });
});
