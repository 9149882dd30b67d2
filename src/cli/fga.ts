import { UsageError } from './args.js';

/** `gatehouse fga serve|test ...`: the embedded OpenFGA-compatible API and store-file test runner. */
export async function fgaCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const cli = await import('../embedded/fga/cli.js');
  if (sub === 'serve') return cli.fgaServeCommand(rest);
  if (sub === 'test') return cli.fgaTestCommand(rest);
  throw new UsageError('usage: gatehouse fga serve [--port N] [--store <file.fga.yaml>] [--data-dir <dir>] [--api-key <key>]... | gatehouse fga test <file.fga.yaml>');
}
