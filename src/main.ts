type Command = (argv: string[]) => Promise<number>;

/**
 * `gatehouse <command>`: each command parses its own flags and returns an exit code. Commands are
 * loaded on demand so that e.g. `audit verify` never loads the authorization server.
 */
const COMMANDS: Record<string, { run: Command; help: string }> = {
  serve: { run: async (a) => (await import('./cli/serve.js')).serveCommand(a), help: 'serve                                   run the server (embedded stand-ins when no production config)' },
  token: { run: async (a) => (await import('./cli/token.js')).tokenCommand(a), help: 'token --user <id> [--scope "<scopes>"]  embedded mode: log in headlessly, print an access token' },
  fga: { run: async (a) => (await import('./cli/fga.js')).fgaCommand(a), help: 'fga serve [--port N] [--store <file>] | fga test <file.fga.yaml>  the embedded OpenFGA-compatible API' },
  connect: { run: async (a) => (await import('./cli/connect.js')).connectCommand(a), help: 'connect --user <id> --connection <name> [--scopes "..."]  embedded mode: connect a third-party account headlessly' },
  audit: { run: async (a) => (await import('./cli/audit.js')).auditCommand(a), help: 'audit verify [--full] [--checkpoint <file>] | show | checkpoint --out <file> | export --since <time> | prune | key  the audit chain and its signed checkpoints' },
  docs: { run: async (a) => (await import('./cli/docs.js')).docsCommand(a), help: 'docs add <path|dir|glob> --folder <id> [--owner user:<id>]  ingest text/markdown documents and their FGA tuples' },
  approvals: { run: async (a) => (await import('./cli/approvals.js')).approvalsCommand(a), help: "approvals list|approve|deny --user <id> [--id <id>]  embedded mode: act as the user's trusted device" },
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`gatehouse: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`Usage: gatehouse ${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    // Loaded only here (already in memory when they are what was thrown), so `--help` loads neither zod nor the config schema.
    const [{ ConfigError }, { UsageError }] = await Promise.all([import('./config.js'), import('./cli/args.js')]);
    if (e instanceof ConfigError) {
      process.stderr.write(`gatehouse: ${e.message}\n`);
      return 78;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`gatehouse ${name}: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`gatehouse ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

function usage(): string {
  return `Usage: gatehouse <command> [options]\n\nCommands:\n${Object.values(COMMANDS)
    .map((c) => `  ${c.help}`)
    .join('\n')}\n\nConfiguration comes from environment variables; see README.md.\n`;
}
