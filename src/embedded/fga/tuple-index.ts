/**
 * The in-memory tuple index evaluation reads from: by `object#relation` (check, expand), by user
 * (reverse expansion for ListObjects) and in write order (Read paging). Contextual tuples get their own
 * small index laid over the store's (OverlayReader), so a request never mutates shared state.
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

export class TupleIndex implements TupleReader {
  private readonly all = new Map<string, StoredTuple>();
  private readonly byOR = new Map<string, Map<string, TupleKey>>();
  private readonly byU = new Map<string, Map<string, TupleKey>>();
  private readonly usersets = new Map<string, Map<string, TupleKey>>();

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
    const or = `${t.key.object}#${t.key.relation}`;
    let users = this.byOR.get(or);
    if (!users) this.byOR.set(or, (users = new Map()));
    users.set(t.key.user, t.key);
    if (t.key.user.includes('#')) {
      let us = this.usersets.get(or);
      if (!us) this.usersets.set(or, (us = new Map()));
      us.set(t.key.user, t.key);
    }
    let objects = this.byU.get(t.key.user);
    if (!objects) this.byU.set(t.key.user, (objects = new Map()));
    objects.set(id, t.key);
  }

  delete(id: string): void {
    const t = this.all.get(id);
    if (!t) return;
    this.all.delete(id);
    const or = `${t.key.object}#${t.key.relation}`;
    const users = this.byOR.get(or);
    users?.delete(t.key.user);
    if (users?.size === 0) this.byOR.delete(or);
    const us = this.usersets.get(or);
    us?.delete(t.key.user);
    if (us?.size === 0) this.usersets.delete(or);
    const objects = this.byU.get(t.key.user);
    objects?.delete(id);
    if (objects?.size === 0) this.byU.delete(t.key.user);
  }

  /** All stored tuples in write order. */
  values(): IterableIterator<StoredTuple> {
    return this.all.values();
  }

  byObjectRelation(object: string, relation: string): Iterable<TupleKey> {
    return this.byOR.get(`${object}#${relation}`)?.values() ?? EMPTY;
  }

  usersetsOf(object: string, relation: string): Iterable<TupleKey> {
    return this.usersets.get(`${object}#${relation}`)?.values() ?? EMPTY;
  }

  userTuple(object: string, relation: string, user: string): TupleKey | undefined {
    return this.byOR.get(`${object}#${relation}`)?.get(user);
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
