/**
 * `gatehouse fga serve` and `gatehouse fga test`: the embedded OpenFGA-compatible API on its own, and
 * a runner for the tests in an OpenFGA store file (like `fga model test`).
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FGA_API_KEY_SHAPE, loadConfig } from '../../config.js';
import { createLogger } from '../../log.js';
import { resolveFgaApiKeys } from './api-key.js';
import { openDatabase } from '../../store/sqlite/database.js';
import { startEmbeddedFga } from './index.js';
import { loadStoreFile } from './store-file.js';
import { runStoreFileTests } from './store-file-runner.js';

export const DEFAULT_FGA_PORT = 8789;

export async function fgaServeCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: String(DEFAULT_FGA_PORT) },
      host: { type: 'string', default: '127.0.0.1' },
      store: { type: 'string' },
      'data-dir': { type: 'string' },
      'api-key': { type: 'string', multiple: true },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be a TCP port number, got '${values.port}'\n`);
    return 2;
  }
  const config = loadConfig(process.env);
  const given = values['api-key'];
  const badKey = given?.find((k) => !FGA_API_KEY_SHAPE.pattern.test(k));
  if (badKey !== undefined) {
    process.stderr.write(`--api-key: ${FGA_API_KEY_SHAPE.message}\n`);
    return 2;
  }
  const configured = config.fga.mode === 'embedded' ? config.fga.apiKeys : undefined;
  const dataDir = values['data-dir'] ? resolve(values['data-dir']) : config.dataDir;
  const { keys, file } = resolveFgaApiKeys(dataDir, given?.length ? given : configured);
  const db = openDatabase(join(dataDir, 'gatehouse.db'));
  const logger = createLogger('info');
  const fga = await startEmbeddedFga({
    db,
    host: values.host,
    port,
    apiKeys: keys,
    allowedHosts: config.server.allowedHosts,
    seedStoreFile: values.store ? resolve(values.store) : resolve('authz/store.fga.yaml'),
    logger,
  });
  const keyLine = file
    ? `in ${file} (send it as Authorization: Bearer <key>, e.g. fga --api-token "$(cat ${file})")`
    : `the one${keys.length > 1 ? 's' : ''} given with ${given?.length ? '--api-key' : 'GATEHOUSE_FGA_API_KEY'} (Authorization: Bearer <key>)`;
  process.stdout.write(`Embedded FGA (OpenFGA HTTP API)\n  URL:      ${fga.url}\n  store id: ${fga.storeId}\n  model id: ${fga.modelId}\n  API key:  ${keyLine}\n`);
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await fga.close();
  db.close();
  return 0;
}

export async function fgaTestCommand(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: {} });
  if (positionals.length !== 1) {
    process.stderr.write('usage: gatehouse fga test <file.fga.yaml>\n');
    return 2;
  }
  let outcomes;
  try {
    outcomes = runStoreFileTests(loadStoreFile(resolve(positionals[0])));
  } catch (e) {
    process.stderr.write(`cannot run ${positionals[0]}: ${(e as Error).message}\n`);
    return 2;
  }
  let current = '';
  for (const o of outcomes) {
    if (o.test !== current) {
      current = o.test;
      process.stdout.write(`${o.test}\n`);
    }
    process.stdout.write(`  ${o.passed ? 'PASS' : 'FAIL'} ${o.description}${o.detail ? ` (${o.detail})` : ''}\n`);
  }
  const failed = outcomes.filter((o) => !o.passed).length;
  const tests = new Set(outcomes.map((o) => o.test)).size;
  process.stdout.write(`\n${outcomes.length - failed}/${outcomes.length} assertions passed in ${tests} tests${failed ? `, ${failed} failed` : ''}\n`);
  return failed ? 1 : 0;
}
