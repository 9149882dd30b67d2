import type { Gatehouse } from '../app.js';
import { loadConfig, type Config } from '../config.js';
import { fgaApiKeyFile } from '../embedded/fga/api-key.js';
import { DEMO_USERS } from '../embedded/seed/users.js';
import { flags } from './args.js';

/** `gatehouse serve` (= `npm start`): run until SIGINT/SIGTERM, drain, then stop everything in order. */
export async function serveCommand(argv: string[]): Promise<number> {
  flags(argv, {});
  const config = loadConfig(process.env);
  const { startGatehouse } = await import('../app.js');
  const gh = await startGatehouse(config);
  process.stdout.write(banner(config, gh));
  const code = await serveUntilStopped(gh, config);
  // Everything is closed; should a cut call's leftover keep the event loop alive, do not hang on it.
  setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
  return code;
}

const EXIT_GRACE_MS = 1000;

/**
 * Waits for SIGTERM or SIGINT, then drains: one line says so and for how long; a second signal cuts
 * the calls still running. Exit code 0 when every request was answered (its end audited), 1 when a
 * request was still open after the cut.
 */
export async function serveUntilStopped(gh: Pick<Gatehouse, 'shutdown'>, config: Config, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const signals = ['SIGTERM', 'SIGINT'] as const;
  let count = 0;
  let first!: () => void;
  let second!: () => void;
  const stopping = new Promise<void>((resolve) => (first = resolve));
  const cutNow = new Promise<void>((resolve) => (second = resolve));
  // Installed for the whole shutdown: a second signal must cut the drain, never kill the process unaudited.
  const onSignal = () => (++count === 1 ? first() : second());
  for (const s of signals) process.on(s, onSignal);
  try {
    await stopping;
    out.write(`Draining: finishing the calls in flight for up to ${config.server.drainSeconds} s (GATEHOUSE_DRAIN_SECONDS); send the signal again to stop now.\n`);
    const report = await gh.shutdown(cutNow);
    return report.unanswered > 0 ? 1 : 0;
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}

export function banner(config: Config, gh: Gatehouse): string {
  const lines = [
    '',
    '  Gatehouse — gated tools for AI agents',
    '',
    `  MCP endpoint        ${gh.mcpUrl}`,
    `  Authorization       ${gh.issuer}${gh.authServer ? '  (embedded Auth0 stand-in)' : config.auth.mode === 'oidc' ? '  (OpenID Connect issuer, GATEHOUSE_ISSUER_URL)' : '  (Auth0)'}`,
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
      ...claudeDesktopLines(gh.mcpUrl),
      '    Calendar:          npx gatehouse connect --user alice --connection google-oauth2   (or follow the link a tool returns)',
      '    Approvals:         npx gatehouse approvals list --user alice',
      '    Audit:             npx gatehouse audit show   |   npx gatehouse audit verify',
    );
  }
  if (config.server.insecureNoAuth) lines.push('', '  WARNING: GATEHOUSE_INSECURE_NO_AUTH=true — no authentication (test only).');
  lines.push('', '  Ctrl-C to stop.', '');
  return lines.join('\n') + '\n';
}

/** The MCP URL of a default start (`npm start`), which the repository's mcp.json names. */
export const DEFAULT_MCP_URL = 'http://127.0.0.1:8787/mcp';

/** The client configuration for this server: Streamable HTTP, and stdio through mcp-remote (Claude Desktop). */
export function mcpJson(mcpUrl: string): { mcpServers: Record<string, Record<string, unknown>> } {
  return {
    mcpServers: {
      gatehouse: { type: 'http', url: mcpUrl },
      'gatehouse-stdio': { command: 'npx', args: ['-y', 'mcp-remote', mcpUrl] },
    },
  };
}

/** On the default port the repository's mcp.json is right; on any other, print the entry with this server's URL. */
function claudeDesktopLines(mcpUrl: string): string[] {
  if (mcpUrl === DEFAULT_MCP_URL) return [`    3. Claude Desktop: paste mcp.json into claude_desktop_config.json (uses npx mcp-remote ${mcpUrl})`];
  return ['    3. Claude Desktop: add to claude_desktop_config.json (this server\'s URL, not the one in mcp.json):', `                       ${JSON.stringify({ mcpServers: { 'gatehouse-stdio': mcpJson(mcpUrl).mcpServers['gatehouse-stdio'] } })}`];
}
