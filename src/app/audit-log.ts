/**
 * The server's audit log: the hash chain in the Store, checkpoints signed with the key from
 * GATEHOUSE_AUDIT_SIGNING_KEY_FILE (or `<data>/keys/audit-checkpoint.key`, generated on first start),
 * a checkpoint timer, and retention applied on start when GATEHOUSE_AUDIT_RETENTION_DAYS is set.
 */
import { join } from 'node:path';
import { createAuditLog, type AuditLog } from '../audit/audit-log.js';
import { defaultCheckpointKeyFile, loadCheckpointKey, type CheckpointKey } from '../audit/checkpoint-key.js';
import { startCheckpointTimer } from '../audit/checkpoint-timer.js';
import { pruneAuditLog } from '../audit/prune.js';
import { ConfigError, type Config } from '../config.js';
import type { Logger } from '../log.js';
import type { AuditStore } from '../store/ports/audit-store.js';
import { keyDirFor } from '../store/sqlite/database.js';

/** The checkpoint key of this deployment. `create`: generate the default file when absent (a configured file never is). */
export function checkpointKeyFor(config: Config, create: boolean): { key: CheckpointKey | undefined; file: string } {
  const file = config.audit.signingKeyFile ?? defaultCheckpointKeyFile(keyDirFor(join(config.dataDir, 'gatehouse.db')));
  try {
    return { key: loadCheckpointKey(file, { create: create && config.audit.signingKeyFile === undefined }), file };
  } catch (err) {
    throw new ConfigError([`GATEHOUSE_AUDIT_SIGNING_KEY_FILE: ${err instanceof Error ? err.message : String(err)}`]);
  }
}

export interface ServerAuditLog {
  readonly audit: AuditLog;
  /** Stops the checkpoint timer and signs a last checkpoint; resolves once it is stored (await it before the Store closes). */
  readonly stop: () => Promise<void>;
}

export async function openServerAuditLog(config: Config, store: AuditStore, logger: Logger, now?: () => Date): Promise<ServerAuditLog> {
  const { key, file } = checkpointKeyFor(config, true);
  if (!key) throw new ConfigError([`GATEHOUSE_AUDIT_SIGNING_KEY_FILE: ${file} does not exist`]);
  const audit = createAuditLog(store, { key, checkpointEvery: config.audit.checkpointEvery, ...(now ? { now } : {}) });
  if (config.audit.retentionDays !== undefined) {
    const days = config.audit.retentionDays;
    const result = await pruneAuditLog(store, new Date((now ?? (() => new Date()))().getTime() - days * 86_400_000), { key: key.publicKey, now });
    if (result.pruned) {
      await audit.append('audit_pruned', { through: result.through, deleted: result.deleted, retentionDays: days, by: 'start' });
      logger.info({ through: result.through, deleted: result.deleted }, 'audit log pruned to its retention');
    } else if (result.reason === 'chain_broken') {
      logger.error({ code: result.verify.code, seq: result.verify.badSeq }, 'audit chain does not verify: not pruned (run `gatehouse audit verify`)');
    }
  }
  const stop = startCheckpointTimer(audit, config.audit.checkpointSeconds, (err) => logger.error({ err }, 'audit checkpoint failed'));
  return { audit, stop };
}
