import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { createAuditLog, writeCheckpoint, type AuditLog } from '../audit/audit-log.js';
import { parsePublicKey, type CheckpointKey } from '../audit/checkpoint-key.js';
import { readCheckpointFile, writeCheckpointFile } from '../audit/checkpoint-file.js';
import { exportLines } from '../audit/export-jsonl.js';
import { formatEntry } from '../audit/format-entry.js';
import { pruneAuditLog } from '../audit/prune.js';
import { verifyChain, type VerifyResult } from '../audit/verify-chain.js';
import { checkpointKeyFor } from '../app/audit-log.js';
import { loadConfig, type Config } from '../config.js';
import type { AuditStore } from '../store/ports/audit-store.js';
import { openStores } from '../app/open-stores.js';
import { silentLogger } from '../log.js';
import { flags, UsageError } from './args.js';

const USAGE = [
  'usage: gatehouse audit verify [--full] [--checkpoint <file>] [--key <public-key-file>]',
  '     | gatehouse audit show [--limit N] [--user <sub>] [--json]',
  '     | gatehouse audit checkpoint --out <file>',
  '     | gatehouse audit export --since <ISO 8601 time> [--format jsonl]',
  '     | gatehouse audit prune',
  '     | gatehouse audit key [--jwk]',
].join('\n');

/** Which flags each subcommand takes; any other is a usage error. */
const ALLOWED: Record<string, readonly string[]> = {
  verify: ['full', 'checkpoint', 'key'],
  show: ['limit', 'user', 'json'],
  checkpoint: ['out'],
  export: ['since', 'format'],
  prune: [],
  key: ['jwk'],
};

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * `gatehouse audit ...`: verify the hash chain against its signed checkpoints (and an exported one),
 * show the latest decisions, export a checkpoint or the entries since a time (JSON lines for a SIEM),
 * prune to the retention, print the checkpoint public key.
 */
export async function auditCommand(argv: string[]): Promise<number> {
  const { positionals, values } = flags(argv, {
    limit: { type: 'string' },
    user: { type: 'string' },
    json: { type: 'boolean' },
    full: { type: 'boolean' },
    checkpoint: { type: 'string' },
    key: { type: 'string' },
    out: { type: 'string' },
    since: { type: 'string' },
    format: { type: 'string' },
    jwk: { type: 'boolean' },
  });
  const [sub, ...extra] = positionals;
  const allowed = sub === undefined ? undefined : ALLOWED[sub];
  if (extra.length || !allowed) throw new UsageError(USAGE);
  const stray = Object.keys(values).find((k) => !allowed.includes(k));
  if (stray) throw new UsageError(`--${stray} is not an option of "audit ${sub}"\n${USAGE}`);

  // Every argument is checked before the database is opened: bad input changes nothing.
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be a whole number from 1 to 10000');
  let since: Date | undefined;
  if (sub === 'export') {
    if (values.since === undefined) throw new UsageError('--since is required (an ISO 8601 time such as 2026-11-30T00:00:00Z)');
    since = new Date(values.since);
    if (!ISO_TIME.test(values.since) || Number.isNaN(since.getTime())) throw new UsageError('--since must be an ISO 8601 time such as 2026-11-30T00:00:00Z');
    if ((values.format ?? 'jsonl') !== 'jsonl') throw new UsageError('--format must be jsonl');
  }
  if (sub === 'checkpoint' && !values.out) throw new UsageError('--out <file> is required');
  const config = loadConfig(process.env);
  if (sub === 'prune' && config.audit.retentionDays === undefined) throw new UsageError('set GATEHOUSE_AUDIT_RETENTION_DAYS to prune (the default keeps every entry)');

  if (sub === 'key') return printKey(config, values.jwk === true);
  const pinned = values.key === undefined ? undefined : parsePublicKey(readFileSync(values.key, 'utf8'), values.key);
  const exported = values.checkpoint === undefined ? undefined : readCheckpointFile(values.checkpoint);
  const { store, close } = await openAuditStore(config);
  try {
    // Only the commands that sign may create the default key file; verify reports a missing key.
    const { key } = checkpointKeyFor(config, sub === 'checkpoint' || sub === 'prune');
    const log = createAuditLog(store, { key });
    switch (sub) {
      case 'verify':
        return report(await verifyChain(store, { key: pinned ?? key?.publicKey, full: values.full === true, exported }));
      case 'show':
        return await show(log, limit, values.user, values.json === true);
      case 'checkpoint':
        return await checkpoint(store, key, values.out!);
      case 'export':
        return await exportSince(store, since!);
      default:
        return await prune(store, log, key, config.audit.retentionDays!);
    }
  } finally {
    await close();
  }
}

/**
 * The audit log's Store for a command: the one place the CLI opens it (the server builds its own in
 * src/app/assemble.ts). Today the SQLite file in the data directory.
 */
export async function openAuditStore(config: Config): Promise<{ readonly store: AuditStore; readonly close: () => Promise<void> }> {
  const { stores, close } = await openStores(config, silentLogger);
  return { store: stores.audit, close };
}

function report(result: VerifyResult): number {
  if (result.ok && result.lastSeq === 0) {
    process.stdout.write('audit chain intact: no entries yet\n');
    return 0;
  }
  if (result.ok) {
    const start = result.from === 0 ? 'genesis' : `entry ${result.from}`;
    const cp = result.checkpoint === 0 ? 'none' : `entry ${result.checkpoint}`;
    process.stdout.write(`audit chain intact through entry ${result.lastSeq}, head ${result.head.slice(0, 16)}… (recomputed ${result.checked} entries after ${start}; newest signed checkpoint: ${cp})\n`);
    return 0;
  }
  process.stderr.write(`audit chain BROKEN at entry ${result.badSeq} (${result.code}): ${result.reason}\n`);
  return 1;
}

async function show(log: AuditLog, limit: number, user: string | undefined, json: boolean): Promise<number> {
  const entries = (user ? (await log.recent(10_000)).filter((e) => e.data.sub === user).slice(0, limit) : await log.recent(limit)).reverse();
  if (json) process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
  else process.stdout.write(entries.length ? `${entries.map(formatEntry).join('\n')}\n` : 'no audit entries\n');
  return 0;
}

/** Verifies the chain, signs its end when past the newest checkpoint, and writes the newest checkpoint to `out`. */
async function checkpoint(store: AuditStore, key: CheckpointKey | undefined, out: string): Promise<number> {
  if (!key) throw new Error('no checkpoint signing key (GATEHOUSE_AUDIT_SIGNING_KEY_FILE names a missing file)');
  const verified = await verifyChain(store, { key: key.publicKey });
  if (!verified.ok) return report(verified);
  if (verified.lastSeq === 0) throw new Error('the audit log is empty: nothing to checkpoint');
  if (((await store.checkpoints()).at(-1)?.seq ?? 0) < verified.lastSeq) await writeCheckpoint(store, key, { seq: verified.lastSeq, hash: verified.head });
  const latest = (await store.checkpoints()).at(-1)!;
  writeCheckpointFile(out, latest.jws);
  process.stdout.write(`signed checkpoint at entry ${latest.seq} (hash ${latest.hash.slice(0, 16)}…) written to ${out}\n`);
  return 0;
}

/** Streams the entries since `since` as JSON lines, waiting for stdout to drain: the log is never held in memory. */
async function exportSince(store: AuditStore, since: Date): Promise<number> {
  for await (const line of exportLines(store, since)) {
    if (!process.stdout.write(line)) await once(process.stdout, 'drain');
  }
  return 0;
}

async function prune(store: AuditStore, log: AuditLog, key: CheckpointKey | undefined, days: number): Promise<number> {
  const result = await pruneAuditLog(store, new Date(Date.now() - days * 86_400_000), { key: key?.publicKey });
  if (result.pruned) {
    await log.append('audit_pruned', { through: result.through, deleted: result.deleted, retentionDays: days, by: 'cli' });
    process.stdout.write(`pruned ${result.deleted} entries through entry ${result.through} (the signed checkpoint the chain now starts from)\n`);
    return 0;
  }
  if (result.reason === 'chain_broken') {
    process.stderr.write('not pruned: ');
    return report(result.verify);
  }
  process.stdout.write(result.reason === 'nothing_old_enough' ? `nothing to prune: no entry is older than ${days} days\n` : 'nothing to prune: no signed checkpoint covers the entries past the retention yet\n');
  return 0;
}

function printKey(config: Config, jwk: boolean): number {
  const { key } = checkpointKeyFor(config, true);
  if (!key) throw new Error('no checkpoint signing key (GATEHOUSE_AUDIT_SIGNING_KEY_FILE names a missing file)');
  process.stdout.write(jwk ? `${JSON.stringify(publicJwk(key.publicKey, key.kid))}\n` : key.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  return 0;
}

function publicJwk(publicKey: KeyObject, kid: string): Record<string, unknown> {
  const { kty, crv, x } = publicKey.export({ format: 'jwk' });
  return { kty, crv, x, kid, alg: 'EdDSA', use: 'sig' };
}
