/**
 * FGA writes made by Gatehouse's own commands, in the audit log: an Authorizer whose writeTuples
 * appends one `fga_write` entry per call — the command and the operator who ran it, the tuples
 * written and deleted (relationships, not secrets), and the result. A failed write is recorded too
 * (with its error code; chunks before the failing one may have been applied) and rethrown.
 */
import type { AuditLog } from '../audit/audit-log.js';
import type { Authorizer, TupleKey } from './authorizer.js';

export interface WriteActor {
  /** The Gatehouse command that wrote, e.g. `docs add`. */
  readonly command: string;
  /** Who ran it: the operating-system account. */
  readonly operator: string;
  /** Which FGA the tuples went to: `embedded` or the remote API URL. */
  readonly fga: string;
}

export function auditedWrites(authorizer: Authorizer, audit: AuditLog, actor: WriteActor): Authorizer {
  return {
    check: (q) => authorizer.check(q),
    batchCheck: (qs) => authorizer.batchCheck(qs),
    listObjects: (q) => authorizer.listObjects(q),
    ...(authorizer.readTuples ? { readTuples: authorizer.readTuples.bind(authorizer) } : {}),
    async writeTuples(writes: TupleKey[], deletes: TupleKey[] = []) {
      const entry = { ...actor, writes, deletes };
      try {
        await authorizer.writeTuples(writes, deletes);
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        await audit.append('fga_write', { ...entry, result: 'error', error: typeof code === 'string' ? code : 'internal_error' });
        throw e;
      }
      await audit.append('fga_write', { ...entry, result: 'ok' });
    },
  };
}
