/**
 * The in-memory tuple index evaluation reads from: by object then relation (check, expand), by user
 * (reverse expansion for ListObjects) and in write order (Read paging). Lookups are nested maps keyed by
 * strings the caller already holds, so the check hot path never builds a key. Contextual tuples get their
 * own small index laid over the store's (OverlayReader), so a request never mutates shared state.
 */
import { tupleId, type TupleKey } from './tuple-key.js';

export interface StoredTuple {
  readonly key: TupleKey;
  readonly seq: number;
  readonly timestamp: string;
}

export interface TupleReader {
  /** Every tuple on `object#relation`. */
  byObjectRelation(object: string, relation: string): Iterable<TupleKey>;
  /** The tuples on `object#relation` whose user is a userset (`type:id#relation`). */
  usersetsOf(object: string, relation: string): Iterable<TupleKey>;
  /** The tuple `object#relation@user`, if any. */
  userTuple(object: string, relation: string, user: string): TupleKey | undefined;
  /** Every tuple whose user is exactly `user`. */
  byUser(user: string): Iterable<TupleKey>;
}

const EMPTY: Iterable<TupleKey> = [];

/**
 * The tuples of one `object#relation`, by user, and the userset ones again. Most hold a single tuple
 * (a document's parent), which is kept inline: a Map per pair would double the index's memory.
 */
class RelationTuples {
  private one: TupleKey | undefined;
  private many: Map<string, TupleKey> | undefined;
  usersets: Map<string, TupleKey> | undefined;

  get size(): number {
    return this.many ? this.many.size : this.one ? 1 : 0;
  }

  get(user: string): TupleKey | undefined {
    if (this.many) return this.many.get(user);
    return this.one?.user === user ? this.one : undefined;
  }

  values(): Iterable<TupleKey> {
    if (this.many) return this.many.values();
    return this.one ? [this.one] : EMPTY;
  }

  set(key: TupleKey): void {
    if (!this.many && (!this.one || this.one.user === key.user)) this.one = key;
    else {
      if (!this.many) {
        this.many = new Map([[this.one!.user, this.one!]]);
        this.one = undefined;
      }
      this.many.set(key.user, key);
    }
    if (key.user.includes('#')) (this.usersets ??= new Map()).set(key.user, key);
  }

  delete(user: string): void {
    if (this.many) this.many.delete(user);
    else if (this.one?.user === user) this.one = undefined;
    this.usersets?.delete(user);
  }
}

export class TupleIndex implements TupleReader {
  private readonly all = new Map<string, StoredTuple>();
  private readonly byObject = new Map<string, Map<string, RelationTuples>>();
  private readonly byU = new Map<string, Map<string, TupleKey>>();

  get size(): number {
    return this.all.size;
  }

  get(id: string): StoredTuple | undefined {
    return this.all.get(id);
  }

  put(t: StoredTuple): void {
    const id = tupleId(t.key);
    if (this.all.has(id)) this.delete(id);
    this.all.set(id, t);
    const { object, relation, user } = t.key;
    let rels = this.byObject.get(object);
    if (!rels) this.byObject.set(object, (rels = new Map()));
    let rt = rels.get(relation);
    if (!rt) rels.set(relation, (rt = new RelationTuples()));
    rt.set(t.key);
    let objects = this.byU.get(user);
    if (!objects) this.byU.set(user, (objects = new Map()));
    objects.set(id, t.key);
  }

  delete(id: string): void {
    const t = this.all.get(id);
    if (!t) return;
    this.all.delete(id);
    const { object, relation, user } = t.key;
    const rels = this.byObject.get(object);
    const rt = rels?.get(relation);
    if (rels && rt) {
      rt.delete(user);
      if (rt.size === 0) rels.delete(relation);
      if (rels.size === 0) this.byObject.delete(object);
    }
    const objects = this.byU.get(user);
    objects?.delete(id);
    if (objects?.size === 0) this.byU.delete(user);
  }

  /** All stored tuples in write order. */
  values(): IterableIterator<StoredTuple> {
    return this.all.values();
  }

  byObjectRelation(object: string, relation: string): Iterable<TupleKey> {
    return this.byObject.get(object)?.get(relation)?.values() ?? EMPTY;
  }

  usersetsOf(object: string, relation: string): Iterable<TupleKey> {
    return this.byObject.get(object)?.get(relation)?.usersets?.values() ?? EMPTY;
  }

  userTuple(object: string, relation: string, user: string): TupleKey | undefined {
    return this.byObject.get(object)?.get(relation)?.get(user);
  }

  byUser(user: string): Iterable<TupleKey> {
    return this.byU.get(user)?.values() ?? EMPTY;
  }

  static of(keys: readonly TupleKey[]): TupleIndex {
    const index = new TupleIndex();
    keys.forEach((key, seq) => index.put({ key, seq, timestamp: '' }));
    return index;
  }
}

/** Contextual tuples first, then the store's; both are visible to evaluation. */
export class OverlayReader implements TupleReader {
  constructor(private readonly top: TupleReader, private readonly base: TupleReader) {}

  *byObjectRelation(object: string, relation: string): Iterable<TupleKey> {
    yield* this.top.byObjectRelation(object, relation);
    yield* this.base.byObjectRelation(object, relation);
  }

  *usersetsOf(object: string, relation: string): Iterable<TupleKey> {
    yield* this.top.usersetsOf(object, relation);
    yield* this.base.usersetsOf(object, relation);
  }

  userTuple(object: string, relation: string, user: string): TupleKey | undefined {
    return this.top.userTuple(object, relation, user) ?? this.base.userTuple(object, relation, user);
  }

  *byUser(user: string): Iterable<TupleKey> {
    yield* this.top.byUser(user);
    yield* this.base.byUser(user);
  }
}
