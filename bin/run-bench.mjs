#!/usr/bin/env node
// `npm run bench -- [--json <file>] [--only <name>]`: runs every bench/*.bench.ts side by side.
import { register } from 'tsx/esm/api';

register();
const { runBenchmarks } = await import('../bench/index.ts');
process.exitCode = await runBenchmarks(process.argv.slice(2));
