/** Connect flows in progress, stored by the hash of their id; the payload is sealed by the caller. */
export interface ConnectFlowStore {
  /** Stores a new flow, and drops flows that expired before `now`. */
  insert(idHash: string, payload: string, expiresAt: number, now: number): Promise<void>;
  /** The payload of the flow, unless unknown or expired at `now` (expiresAt >= now is still live). */
  get(idHash: string, now: number): Promise<string | undefined>;
  /**
   * Compare-and-set: replaces the payload of an existing flow only while it is still `expected` (the
   * payload the caller read); true for the one caller that replaced it. An unknown flow is not created.
   */
  update(idHash: string, expected: string, payload: string): Promise<boolean>;
  /** Atomic: true for the one caller that removed the flow, false for every other. */
  delete(idHash: string): Promise<boolean>;
}
