import { join } from 'node:path';
import { createAuditLog } from '../audit/audit-log.js';
import { loadConfig } from '../config.js';
import { flags, UsageError } from './args.js';
import { openDatabase } from '../store/sqlite/database.js';

/** `gatehouse audit verify`: recompute the hash chain; exit 1 naming the first bad entry. */
export async function auditCommand(argv: string[]): Promise<number> {
  const { positionals } = flags(argv, {});
  if (positionals[0] !== 'verify' || positionals.length !== 1) throw new UsageError('usage: gatehouse audit verify');
  const config = loadConfig(process.env);
  const db = openDatabase(join(config.dataDir, 'gatehouse.db'));
  try {
    const result = createAuditLog(db).verify();
    if (result.ok) {
      process.stdout.write(`audit chain intact: ${result.entries} entries, head ${result.head.slice(0, 16)}…\n`);
      return 0;
    }
    process.stderr.write(`audit chain BROKEN at entry ${result.badSeq}: ${result.reason}\n`);
    return 1;
  } finally {
    db.close();
  }
}
