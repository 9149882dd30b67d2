/**
 * What a contract suite gets from an implementation: a fresh, empty store, and more handles on the same
 * storage. Every port is asynchronous; SQLite and PostgreSQL are held to the same suites.
 */
export interface StoreFixture<T> {
  readonly store: T;
  /** A second handle on the same storage, as another process on the same Store would open it. */
  readonly other: () => T;
  readonly close: () => void | Promise<void>;
}

export type MakeStore<T> = () => StoreFixture<T>;
