import type { Gatehouse } from '../app.js';
import { loadConfig, type Config } from '../config.js';
import { fgaApiKeyFile } from '../embedded/fga/api-key.js';
import { DEMO_USERS } from '../embedded/seed/users.js';
import { flags } from './args.js';

/** `gatehouse serve` (= `npm start`): run until SIGINT/SIGTERM, then stop everything in order. */
export async function serveCommand(argv: string[]): Promise<number> {
  flags(argv, {});
  const config = loadConfig(process.env);
  const { startGatehouse } = await import('../app.js');
  const gh = await startGatehouse(config);
  process.stdout.write(banner(config, gh));
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await gh.close();
  return 0;
}

export function banner(config: Config, gh: Gatehouse): string {
  const lines = [
    '',
    '  Gatehouse — gated tools for AI agents',
    '',
    `  MCP endpoint        ${gh.mcpUrl}`,
    `  Authorization       ${gh.issuer}${gh.authServer ? '  (embedded Auth0 stand-in)' : '  (Auth0)'}`,
    `  Data                ${config.dataDir}`,
  ];
  if (gh.authServer) lines.push(`  Approvals device    ${gh.issuer}/device  (sign in as the user to approve or deny)`);
  if (gh.fga) lines.push(`  FGA (OpenFGA API)   ${gh.fga.url}  store ${gh.fga.storeId}  (embedded engine)`);
  if (gh.fga && config.fga.mode === 'embedded') {
    lines.push(`  FGA API key         ${config.fga.apiKeys ? 'the one in GATEHOUSE_FGA_API_KEY' : `in ${fgaApiKeyFile(config.dataDir)}`}  (send Authorization: Bearer <key>)`);
  }
  if (gh.providers) lines.push(`  Demo Google         ${gh.providers.url}  (Calendar v3, Gmail v1, OAuth)`);
  if (gh.authServer) {
    lines.push('', '  Demo users (embedded mode only):');
    for (const u of DEMO_USERS) lines.push(`    ${u.id.padEnd(6)} password ${u.password.padEnd(15)} ${u.kind}, ${u.department}`);
    lines.push(
      '',
      '  Next:',
      `    1. Inspector:      npx @modelcontextprotocol/inspector  -> Streamable HTTP, URL ${gh.mcpUrl}`,
      `    2. A token:        TOKEN=$(npx gatehouse token --user alice)`,
      `                       curl -s ${gh.mcpUrl} -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\`,
      `                         -H 'Accept: application/json, text/event-stream' \\`,
      `                         -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{}}}'`,
      `    3. Claude Desktop: paste mcp.json into claude_desktop_config.json (uses npx mcp-remote ${gh.mcpUrl})`,
      '    Calendar:          npx gatehouse connect --user alice --connection google-oauth2   (or follow the link a tool returns)',
      '    Approvals:         npx gatehouse approvals list --user alice',
      '    Audit:             npx gatehouse audit show   |   npx gatehouse audit verify',
    );
  }
  if (config.server.insecureNoAuth) lines.push('', '  WARNING: GATEHOUSE_INSECURE_NO_AUTH=true — no authentication (test only).');
  lines.push('', '  Ctrl-C to stop.', '');
  return lines.join('\n') + '\n';
}
