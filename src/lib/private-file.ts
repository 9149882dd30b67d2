import { chmodSync, closeSync, existsSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Files that hold keys and other secrets at rest: a directory only its owner may enter (0700) and
 * files only its owner may read (0600). Used for the data dir, the database and the key files beside it.
 */

/** Creates the directory (and parents) if needed and tightens it to 0700. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
}

/** Tightens an existing file to 0600 (no-op when absent). */
export function restrictFile(file: string): void {
  if (existsSync(file) && (statSync(file).mode & 0o777) !== 0o600) chmodSync(file, 0o600);
}

/**
 * Reads a secret file, or creates it with `generate()` (mode 0600, written to a temporary name and
 * hard-linked into place, so a reader never sees half a key). Two starters racing agree on the first file written.
 */
export function readOrCreatePrivateFile(file: string, generate: () => string): string {
  if (existsSync(file)) {
    restrictFile(file);
    return readFileSync(file, 'utf8').trim();
  }
  ensurePrivateDir(dirname(file));
  const tmp = join(dirname(file), `.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${generate()}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file); // atomic create-if-absent: EEXIST when another starter won the race
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
  return readFileSync(file, 'utf8').trim();
}
