import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatehouse, type Gatehouse, type GatehouseOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';

export interface TestGatehouse extends Gatehouse {
  readonly dataDir: string;
  /** Stop and remove the data directory. */
  stop(): Promise<void>;
}

/**
 * The one bootstrap for whole-system tests: a real Gatehouse (and its embedded stand-ins) on
 * 127.0.0.1 with random ports and a fresh data directory.
 */
export async function startTestGatehouse(env: Record<string, string> = {}, opts: GatehouseOptions & { dataDir?: string } = {}): Promise<TestGatehouse> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  const config = loadConfig({
    GATEHOUSE_PORT: '0',
    GATEHOUSE_AUTH_PORT: '0',
    GATEHOUSE_FGA_PORT: '0',
    GATEHOUSE_PROVIDERS_PORT: '0',
    GATEHOUSE_DATA_DIR: dataDir,
    GATEHOUSE_LOG_LEVEL: 'silent',
    ...env,
  });
  const gh = await startGatehouse(config, { logger: silentLogger, ...opts });
  return Object.assign(Object.create(null), gh, {
    dataDir,
    close: gh.close,
    async stop() {
      await gh.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  }) as TestGatehouse;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
}
