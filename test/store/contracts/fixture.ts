/**
 * What a contract suite gets from an implementation: a fresh, empty store, and more handles on the same
 * storage. The store may be a synchronous port or its asynchronous twin (src/store/ports/async.ts):
 * the suites await every call, so both are held to the same contract.
 */
export interface StoreFixture<T> {
  readonly store: T;
  /** A second handle on the same storage, as another process on the same Store would open it. */
  readonly other: () => T;
  readonly close: () => void | Promise<void>;
}

export type MakeStore<T> = () => StoreFixture<T>;
