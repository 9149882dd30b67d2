/** What a contract suite gets from an implementation: a fresh, empty store, and more handles on the same storage. */
export interface StoreFixture<T> {
  readonly store: T;
  /** A second handle on the same storage, as another process on the same Store would open it. */
  readonly other: () => T;
  readonly close: () => void;
}

export type MakeStore<T> = () => StoreFixture<T>;
