#!/usr/bin/env node
// `npx gatehouse <command>`: runs the compiled CLI (dist/, built by `npm run build`).
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv.slice(2));
