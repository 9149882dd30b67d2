import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { FgaApiAuthenticationError } from '@openfga/sdk';
import { createAuditLog } from '../audit/audit-log.js';
import { embeddedEndpoints } from '../app/resolve-backends.js';
import { loadConfig, type Config } from '../config.js';
import { readFgaApiKeyFile } from '../embedded/fga/api-key.js';
import { auditedWrites } from '../fga/audited-writes.js';
import { createAuthorizer, type Authorizer } from '../fga/authorizer.js';
import { INGESTIBLE, ingestFiles, IngestTarget, type SourceFile } from '../rag/ingest.js';
import { openStores } from '../app/open-stores.js';
import { silentLogger } from '../log.js';
import type { SqliteDatabase } from '../store/sqlite/database.js';
import { flags, UsageError } from './args.js';

const USAGE = 'usage: gatehouse docs add <path|dir|glob> --folder <id> [--owner user:<id>]';

/**
 * `gatehouse docs add`: ingest text/markdown files into the data directory's document store (SQLite
 * WAL, safe next to a running server) and write their FGA tuples through the Authorizer: to FGA_API_URL
 * in production, or to the running server's embedded FGA API (GATEHOUSE_FGA_PORT) in embedded mode —
 * the embedded engine answers from memory, so its tuples must go through its API: start
 * `gatehouse serve` first; it authenticates with the server's FGA API key (GATEHOUSE_FGA_API_KEY, or the
 * key file in the data dir). Tuples are written before any text, so a failure stores nothing visible;
 * every write (and every failed one) is an `fga_write` entry in the audit log.
 */
export async function docsCommand(argv: string[]): Promise<number> {
  const { positionals, values } = flags(argv, { folder: { type: 'string' }, owner: { type: 'string' } });
  const [sub, pattern, ...extra] = positionals;
  if (sub !== 'add' || !pattern || extra.length || !values.folder) throw new UsageError(USAGE);
  const parsed = IngestTarget.safeParse({ folder: values.folder, owner: values.owner });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join('; '));
  const files = expand(pattern);
  if (!files.length) throw new UsageError(`no .md, .markdown or .txt files match "${pattern}"`);

  const config = loadConfig(process.env);
  const { stores, db, close } = await openStores(config, silentLogger);
  try {
    const fga = config.fga.mode === 'remote' ? createAuthorizer(config.fga) : embeddedAuthorizer(db! /* opened for the embedded FGA */, embeddedEndpoints(config).fgaUrl, embeddedApiKey(config));
    const authorizer = auditedWrites(fga, createAuditLog(stores.audit), {
      command: 'docs add',
      operator: operatorName(),
      fga: config.fga.mode === 'remote' ? config.fga.apiUrl : 'embedded',
    });
    const results = await ingestFiles({ store: stores.documents, authorizer }, parsed.data, files);
    for (const r of results) process.stdout.write(`${r.outcome.padEnd(9)} document:${r.id}\n`);
    process.stdout.write(`${results.length} document(s) in folder:${parsed.data.folder}\n`);
    return 0;
  } catch (e) {
    if (e instanceof Error && (e as { code?: string }).code === 'authorization_unavailable' && e.cause instanceof FgaApiAuthenticationError) {
      throw new Error(
        `FGA refused the API key (HTTP ${e.cause.statusCode ?? 401}), nothing was stored${config.fga.mode === 'embedded' ? ': give the key the server uses (GATEHOUSE_FGA_API_KEY) or run in its data directory' : ': check FGA_API_TOKEN or the FGA client credentials'}`,
      );
    }
    if (e instanceof Error && (e as { code?: string }).code === 'authorization_unavailable') {
      throw new Error(`FGA is not reachable, nothing was stored${config.fga.mode === 'embedded' ? ' (embedded mode: start `gatehouse serve` first)' : ''}`);
    }
    throw e;
  } finally {
    await close();
  }
}

/** The operating-system account running the command (a uid when it has no name, e.g. in a container). */
function operatorName(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid:${process.getuid?.() ?? 'unknown'}`;
  }
}

/** The key the running server's embedded FGA API accepts: the configured one, else the one it generated into the data dir. */
function embeddedApiKey(config: Config): string {
  const key = (config.fga.mode === 'embedded' ? config.fga.apiKeys?.[0] : undefined) ?? readFgaApiKeyFile(config.dataDir);
  if (!key) throw new Error(`no embedded FGA API key in ${config.dataDir} yet: run \`gatehouse serve\` once first (or set GATEHOUSE_FGA_API_KEY)`);
  return key;
}

function embeddedAuthorizer(db: SqliteDatabase, apiUrl: string, apiKey: string): Authorizer {
  const store = db.prepare("SELECT id FROM fga_stores WHERE name = 'gatehouse' AND deleted_at IS NULL").get() as { id: string } | undefined;
  const model = store && (db.prepare('SELECT id FROM fga_models WHERE store_id = ? ORDER BY id DESC LIMIT 1').get(store.id) as { id: string } | undefined);
  if (!store || !model) throw new Error('no embedded FGA store in this data directory yet: run `gatehouse serve` once first');
  return createAuthorizer({ apiUrl, storeId: store.id, modelId: model.id, apiToken: apiKey });
}

/** A file, a directory (recursively), or a simple glob: `dir/*.md`, `dir/**\/*.md`. */
function expand(pattern: string): SourceFile[] {
  const star = pattern.search(/[*?]/);
  const root = star < 0 ? pattern : pattern.slice(0, pattern.lastIndexOf('/', star) + 1) || '.';
  const match = star < 0 ? () => true : globMatcher(pattern.slice(root.length));
  const base = statSync(resolve(root)).isDirectory() ? resolve(root) : resolve(root, '..');
  const out: SourceFile[] = [];
  const visit = (p: string) => {
    if (statSync(p).isDirectory()) return readdirSync(p).sort().forEach((f) => visit(join(p, f)));
    const rel = relative(base, p).split('\\').join('/');
    if (INGESTIBLE.has(extname(p).toLowerCase()) && match(rel)) out.push({ relPath: rel, text: readFileSync(p, 'utf8') });
  };
  visit(resolve(root));
  return out;
}

function globMatcher(glob: string): (rel: string) => boolean {
  const re = glob
    .split('/')
    .map((seg) => (seg === '**' ? '(?:.*/)?' : `${seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}/`))
    .join('')
    .replace(/\/$/, '')
    .replace(/\(\?:\.\*\/\)\?\//g, '(?:.*/)?');
  const r = new RegExp(`^${re}$`);
  return (rel) => r.test(rel);
}
