import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * An exported checkpoint: the JWS alone, one line, in a 0600 file written atomically (temporary file,
 * fsync, rename), so a reader never sees half of one. Keep it where the database's writer cannot change
 * it (another host, write-once storage): `audit verify --checkpoint <file>` holds the chain to it.
 */
export function writeCheckpointFile(file: string, jws: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${jws}\n`);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, file);
}

export function readCheckpointFile(file: string): string {
  return readFileSync(file, 'utf8').trim();
}
