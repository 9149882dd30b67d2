/** Connect flows in progress, stored by the hash of their id; the payload is sealed by the caller. */
export interface ConnectFlowStore {
  /** Stores a new flow, and drops flows that expired before `now`. */
  insert(idHash: string, payload: string, expiresAt: number, now: number): void;
  /** The payload of the flow, unless unknown or expired at `now` (expiresAt >= now is still live). */
  get(idHash: string, now: number): string | undefined;
  /** Replaces the payload of an existing flow; an unknown flow is not created. */
  update(idHash: string, payload: string): void;
  /** Atomic: true for the one caller that removed the flow, false for every other. */
  delete(idHash: string): boolean;
}
