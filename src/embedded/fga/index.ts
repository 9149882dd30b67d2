/**
 * Starts the embedded OpenFGA-compatible API: the engine over the Gatehouse SQLite database and its
 * HTTP server. On first start a store named 'gatehouse' is created (seeded from an OpenFGA store file
 * when given); later starts reuse the persisted store and its latest model. Every API call but
 * /healthz needs one of `apiKeys` as a bearer token, like OpenFGA with preshared keys.
 */
import type { SqliteDatabase } from '../../store/sqlite/database.js';
import { silentLogger, type Logger } from '../../log.js';
import { FgaEngine } from './engine.js';
import { listen } from './http/server.js';
import { loadStoreFile } from './store-file.js';
import { canonicalJson } from '../../lib/canonical-json.js';
import type { AuthorizationModelInput } from './model-types.js';

export interface EmbeddedFga {
  url: string;
  storeId: string;
  modelId: string;
  close(): Promise<void>;
}

export const EMBEDDED_STORE_NAME = 'gatehouse';

export async function startEmbeddedFga(opts: {
  db: SqliteDatabase;
  host: string;
  port: number;
  /** Preshared keys the API accepts (`Authorization: Bearer <key>`); see api-key.ts. At least one. */
  apiKeys: readonly string[];
  /** Extra Host header values (public names) the API answers to, beyond its own host:port. */
  allowedHosts?: readonly string[];
  seedStoreFile?: string;
  logger?: Logger;
}): Promise<EmbeddedFga> {
  const logger = opts.logger ?? silentLogger;
  const engine = new FgaEngine(opts.db);
  const { storeId, modelId } = ensureStore(engine, opts.seedStoreFile, logger);
  const server = await listen(engine, opts.host, opts.port, logger, { apiKeys: opts.apiKeys, allowedHosts: opts.allowedHosts });
  logger.info({ url: server.url, storeId, modelId }, 'embedded fga listening');
  return { url: server.url, storeId, modelId, close: () => server.close() };
}

function ensureStore(engine: FgaEngine, seedStoreFile: string | undefined, logger: Logger): { storeId: string; modelId: string } {
  const existing = engine.listStores().find((s) => s.name === EMBEDDED_STORE_NAME);
  const latest = existing && engine.readAuthorizationModels(existing.id)[0];
  if (existing && latest) {
    if (!seedStoreFile) return { storeId: existing.id, modelId: latest.id };
    // An upgraded seed model (e.g. a newer Gatehouse) becomes the latest model, as a model write does
    // on OpenFGA; its demo tuples are added (duplicates ignored), tuples written since are kept.
    const file = loadStoreFile(seedStoreFile);
    if (sameModel(latest, file.model)) return { storeId: existing.id, modelId: latest.id };
    const modelId = engine.writeAuthorizationModel(existing.id, file.model);
    seedTuples(engine, existing.id, modelId, file.tuples);
    logger.info({ storeId: existing.id, modelId, previous: latest.id }, 'embedded fga model upgraded from the seed store file');
    return { storeId: existing.id, modelId };
  }
  if (!seedStoreFile) {
    throw new TypeError('the embedded FGA store has no model yet: pass seedStoreFile (an OpenFGA .fga.yaml store file) on first start');
  }
  const file = loadStoreFile(seedStoreFile);
  const store = existing ?? engine.createStore(EMBEDDED_STORE_NAME);
  const modelId = engine.writeAuthorizationModel(store.id, file.model);
  seedTuples(engine, store.id, modelId, file.tuples);
  logger.info({ storeId: store.id, modelId, tuples: file.tuples.length }, 'embedded fga store seeded');
  return { storeId: store.id, modelId };
}

function sameModel(a: AuthorizationModelInput, b: AuthorizationModelInput): boolean {
  const shape = (m: AuthorizationModelInput) => canonicalJson({ schema_version: m.schema_version, type_definitions: m.type_definitions, conditions: m.conditions ?? {} });
  return shape(a) === shape(b);
}

export function seedTuples(engine: FgaEngine, storeId: string, modelId: string, tuples: readonly import('./tuple-key.js').TupleKey[]): void {
  const size = engine.limits.maxTuplesPerWrite;
  for (let i = 0; i < tuples.length; i += size) {
    engine.write(storeId, {
      authorizationModelId: modelId,
      writes: tuples.slice(i, i + size),
      deletes: [],
      onDuplicate: 'ignore',
      onMissing: 'ignore',
    });
  }
}

export { FgaEngine } from './engine.js';
