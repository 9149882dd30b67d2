import { join } from 'node:path';
import { createAuditLog, type AuditLog } from '../audit/audit-log.js';
import { formatEntry } from '../audit/format-entry.js';
import { loadConfig } from '../config.js';
import { createSqliteAuditStore } from '../store/sqlite/audit-store.js';
import { openDatabase } from '../store/sqlite/database.js';
import { flags, UsageError } from './args.js';

const USAGE = 'usage: gatehouse audit verify | gatehouse audit show [--limit N] [--user <sub>] [--json]';

/**
 * `gatehouse audit verify`: recompute the hash chain; exit 1 naming the first bad entry.
 * `gatehouse audit show`: the latest entries, oldest first — who asked, which gates passed, who
 * approved, which connection was used.
 */
export async function auditCommand(argv: string[]): Promise<number> {
  const { positionals, values } = flags(argv, { limit: { type: 'string' }, user: { type: 'string' }, json: { type: 'boolean' } });
  const [sub, ...extra] = positionals;
  if (extra.length || (sub !== 'verify' && sub !== 'show')) throw new UsageError(USAGE);
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be a whole number from 1 to 10000');
  const config = loadConfig(process.env);
  const db = openDatabase(join(config.dataDir, 'gatehouse.db'));
  try {
    const log = createAuditLog(createSqliteAuditStore(db));
    return sub === 'verify' ? verify(log) : show(log, limit, values.user, values.json === true);
  } finally {
    db.close();
  }
}

function verify(log: AuditLog): number {
  const result = log.verify();
  if (result.ok) {
    process.stdout.write(`audit chain intact: ${result.entries} entries, head ${result.head.slice(0, 16)}…\n`);
    return 0;
  }
  process.stderr.write(`audit chain BROKEN at entry ${result.badSeq}: ${result.reason}\n`);
  return 1;
}

function show(log: AuditLog, limit: number, user: string | undefined, json: boolean): number {
  const entries = (user ? log.recent(10_000).filter((e) => e.data.sub === user).slice(0, limit) : log.recent(limit)).reverse();
  if (json) process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
  else process.stdout.write(entries.length ? `${entries.map(formatEntry).join('\n')}\n` : 'no audit entries\n');
  return 0;
}
