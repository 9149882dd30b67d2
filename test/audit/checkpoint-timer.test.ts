import { setImmediate as turn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { startCheckpointTimer } from '../../src/audit/checkpoint-timer.js';
import type { AuditStore, StoredCheckpoint } from '../../src/store/ports/audit-store.js';
import { createSqliteAuditStore } from '../../src/store/sqlite/audit-store.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { memoryKey } from './tamper.js';

/** A SQLite Store whose checkpoint writes wait until `release` (as a write to a server database waits for its answer). */
function slowCheckpoints(fail?: Error) {
  const inner = createSqliteAuditStore(openDatabase(':memory:'));
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const store: AuditStore = {
    ...inner,
    addCheckpoint: async (c: StoredCheckpoint) => {
      await held;
      if (fail) throw fail;
      await inner.addCheckpoint(c);
    },
  };
  return { inner, store, release };
}

/** Lets every pending callback run a few times over, so a promise that could settle has settled. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await turn();
}

describe('checkpoint timer: the last checkpoint at stop', () => {
  it('stop resolves only once the last checkpoint is stored, so the Store is never closed before it', async () => {
    const { inner, store, release } = slowCheckpoints();
    const log = createAuditLog(store, { key: memoryKey() });
    for (let i = 0; i < 3; i++) await log.append('tool_call', { i });
    const errors: unknown[] = [];
    const stop = startCheckpointTimer(log, 0, (err) => errors.push(err));

    let stopped = false;
    const stopping = stop().then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);
    expect(await inner.checkpoints()).toEqual([]);

    release();
    await stopping;
    expect((await inner.checkpoints()).map((c) => c.seq)).toEqual([3]);
    expect(errors).toEqual([]);
  });

  it('a second stop waits for the same checkpoint and signs nothing more', async () => {
    const { inner, store, release } = slowCheckpoints();
    const log = createAuditLog(store, { key: memoryKey() });
    await log.append('tool_call', { i: 1 });
    const stop = startCheckpointTimer(log, 0, () => undefined);
    const first = stop();
    const second = stop();
    expect(second).toBe(first);
    release();
    await Promise.all([first, second]);
    expect((await inner.checkpoints()).map((c) => c.seq)).toEqual([1]);
  });

  it('a last checkpoint that cannot be stored is reported, and stop still resolves', async () => {
    const down = new Error('store unreachable');
    const { inner, store, release } = slowCheckpoints(down);
    const log = createAuditLog(store, { key: memoryKey() });
    await log.append('tool_call', { i: 1 });
    const errors: unknown[] = [];
    const stop = startCheckpointTimer(log, 0, (err) => errors.push(err));
    const stopping = stop();
    release();
    await stopping;
    expect(errors).toEqual([down]);
    expect(await inner.checkpoints()).toEqual([]);
  });
});
