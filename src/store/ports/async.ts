/**
 * The asynchronous twin of a Store port, for stores reached over a network (PostgreSQL through `pg`):
 * the same methods with the same arguments, each answering with a Promise of what the synchronous
 * port returns. Callbacks passed in keep their synchronous shape (e.g. AuditStore.append's `next` is
 * still called with the newest entry and returns the next one; the store runs it inside its lock).
 * Contract suites hold both forms to the same behaviour: they await every call, and awaiting a
 * synchronous answer is harmless.
 */
export type Async<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : T[K];
};

/** A port in either form: what an implementation-agnostic contract suite accepts. */
export type SyncOrAsync<T> = T | Async<T>;
