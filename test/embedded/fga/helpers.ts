/**
 * Shared bootstrap for the embedded FGA tests: a real engine over SQLite and its HTTP server on
 * 127.0.0.1:0 with a fresh preshared key, plus an @openfga/sdk client that sends it and never retries
 * (so failures surface at once).
 */
import { randomBytes } from 'node:crypto';
import { CredentialsMethod, OpenFgaClient } from '@openfga/sdk';
import { openDatabase, type SqliteDatabase } from '../../../src/store/sqlite/database.js';
import { FgaEngine } from '../../../src/embedded/fga/engine.js';
import { listen, type RunningServer } from '../../../src/embedded/fga/http/server.js';
import type { FgaLimits } from '../../../src/embedded/fga/limits.js';
import { silentLogger } from '../../../src/log.js';

export interface FgaTestServer {
  readonly db: SqliteDatabase;
  readonly engine: FgaEngine;
  readonly server: RunningServer;
  /** The API's preshared key, and the header that carries it (for raw fetches). */
  readonly apiKey: string;
  readonly authorization: { readonly authorization: string };
  client(storeId?: string, modelId?: string): OpenFgaClient;
  close(): Promise<void>;
}

export async function startTestServer(
  opts: { file?: string; limits?: Partial<FgaLimits>; now?: () => number } = {},
): Promise<FgaTestServer> {
  const db = openDatabase(opts.file ?? ':memory:');
  const engine = new FgaEngine(db, opts.limits, { now: opts.now });
  const apiKey = randomBytes(32).toString('base64url');
  const server = await listen(engine, '127.0.0.1', 0, silentLogger, { apiKeys: [apiKey] });
  return {
    db,
    engine,
    server,
    apiKey,
    authorization: { authorization: `Bearer ${apiKey}` },
    client: (storeId, modelId) =>
      new OpenFgaClient({
        apiUrl: server.url,
        storeId,
        authorizationModelId: modelId,
        credentials: { method: CredentialsMethod.ApiToken, config: { token: apiKey } },
        retryParams: { maxRetry: 0, minWaitInMs: 1 },
      }),
    close: async () => {
      await server.close();
      db.close();
    },
  };
}
