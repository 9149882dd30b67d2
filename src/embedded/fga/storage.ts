/**
 * Write-through SQLite persistence for stores, models and tuples. The engine answers from memory;
 * every mutation is written here first, in one transaction, so a restart rebuilds the same state.
 */
import type { SqliteDatabase } from '../../store/sqlite/database.js';
import type { AuthorizationModel } from './model-types.js';
import type { StoredTuple } from './tuple-index.js';
import type { TupleKey } from './tuple-key.js';

export interface StoreRecord {
  readonly id: string;
  readonly name: string;
  readonly created_at: string;
  readonly updated_at: string;
}

interface TupleRow {
  seq: number;
  store_id: string;
  object: string;
  relation: string;
  user: string;
  condition_name: string | null;
  condition_context: string | null;
  inserted_at: string;
}

interface ChangeRow {
  seq: number;
  object: string;
  relation: string;
  user: string;
  condition_name: string | null;
  condition_context: string | null;
  operation: 'write' | 'delete';
  changed_at: string;
}

export interface StoredChange {
  readonly seq: number;
  readonly key: TupleKey;
  readonly operation: 'write' | 'delete';
  readonly timestamp: string;
}

export interface ChangeFilter {
  /** Only objects of this type. */
  readonly type?: string;
  /** Only changes after this sequence number. */
  readonly afterSeq?: number;
  /** Only changes at or after this time (ISO 8601, UTC). */
  readonly since?: string;
  readonly limit: number;
}

function rowKey(row: { object: string; relation: string; user: string; condition_name: string | null; condition_context: string | null }): TupleKey {
  return row.condition_name
    ? {
        object: row.object,
        relation: row.relation,
        user: row.user,
        condition: {
          name: row.condition_name,
          ...(row.condition_context ? { context: JSON.parse(row.condition_context) as Record<string, unknown> } : {}),
        },
      }
    : { object: row.object, relation: row.relation, user: row.user };
}

export class FgaStorage {
  private readonly insertTuple;
  private readonly deleteTuple;
  private readonly insertChange;

  constructor(private readonly db: SqliteDatabase) {
    this.insertTuple = db.prepare(
      `INSERT INTO fga_tuples (store_id, object, relation, user, condition_name, condition_context, inserted_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.deleteTuple = db.prepare('DELETE FROM fga_tuples WHERE store_id = ? AND object = ? AND relation = ? AND user = ?');
    this.insertChange = db.prepare(
      `INSERT INTO fga_changes (store_id, object, relation, user, condition_name, condition_context, operation, changed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  createStore(s: StoreRecord): void {
    this.db
      .prepare('INSERT INTO fga_stores (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)')
      .run(s.id, s.name, s.created_at, s.updated_at);
  }

  deleteStore(id: string, at: string): void {
    this.db.prepare('UPDATE fga_stores SET deleted_at = ?, updated_at = ? WHERE id = ?').run(at, at, id);
  }

  loadStores(): StoreRecord[] {
    return this.db
      .prepare('SELECT id, name, created_at, updated_at FROM fga_stores WHERE deleted_at IS NULL ORDER BY id')
      .all() as StoreRecord[];
  }

  saveModel(storeId: string, model: AuthorizationModel, at: string): void {
    this.db
      .prepare('INSERT INTO fga_models (id, store_id, body, created_at) VALUES (?, ?, ?, ?)')
      .run(model.id, storeId, JSON.stringify(model), at);
  }

  loadModels(storeId: string): AuthorizationModel[] {
    const rows = this.db.prepare('SELECT body FROM fga_models WHERE store_id = ? ORDER BY id').all(storeId) as { body: string }[];
    return rows.map((r) => JSON.parse(r.body) as AuthorizationModel);
  }

  /** Applies deletes then writes atomically, logging each as a change; returns the stored form of each written tuple. */
  applyWrite(storeId: string, writes: readonly TupleKey[], deletes: readonly TupleKey[], at: string): StoredTuple[] {
    return this.db.transaction(() => {
      for (const d of deletes) {
        this.deleteTuple.run(storeId, d.object, d.relation, d.user);
        this.insertChange.run(storeId, d.object, d.relation, d.user, null, null, 'delete', at);
      }
      return writes.map((w) => {
        const conditionName = w.condition?.name ?? null;
        const conditionContext = w.condition?.context ? JSON.stringify(w.condition.context) : null;
        const info = this.insertTuple.run(storeId, w.object, w.relation, w.user, conditionName, conditionContext, at);
        this.insertChange.run(storeId, w.object, w.relation, w.user, conditionName, conditionContext, 'write', at);
        return { key: w, seq: Number(info.lastInsertRowid), timestamp: at };
      });
    })();
  }

  /** The store's change log in order, filtered. */
  readChanges(storeId: string, f: ChangeFilter): StoredChange[] {
    const where = ['store_id = ?'];
    const args: unknown[] = [storeId];
    if (f.afterSeq !== undefined) {
      where.push('seq > ?');
      args.push(f.afterSeq);
    }
    if (f.type !== undefined) {
      where.push('substr(object, 1, ?) = ?');
      args.push(f.type.length + 1, `${f.type}:`);
    }
    if (f.since !== undefined) {
      where.push('changed_at >= ?');
      args.push(f.since);
    }
    const rows = this.db
      .prepare(`SELECT * FROM fga_changes WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`)
      .all(...args, f.limit) as ChangeRow[];
    return rows.map((r) => ({ seq: r.seq, key: rowKey(r), operation: r.operation, timestamp: r.changed_at }));
  }

  saveAssertions(storeId: string, modelId: string, body: string): void {
    this.db
      .prepare('INSERT INTO fga_assertions (store_id, model_id, body) VALUES (?, ?, ?) ON CONFLICT (store_id, model_id) DO UPDATE SET body = excluded.body')
      .run(storeId, modelId, body);
  }

  loadAssertions(storeId: string, modelId: string): string | undefined {
    const row = this.db.prepare('SELECT body FROM fga_assertions WHERE store_id = ? AND model_id = ?').get(storeId, modelId) as { body: string } | undefined;
    return row?.body;
  }

  *loadTuples(storeId: string): Generator<StoredTuple> {
    const stmt = this.db.prepare('SELECT * FROM fga_tuples WHERE store_id = ? ORDER BY seq');
    for (const row of stmt.iterate(storeId) as IterableIterator<TupleRow>) {
      yield { key: rowKey(row), seq: row.seq, timestamp: row.inserted_at };
    }
  }
}
