/** What a connect ticket is bound to. */
export interface TicketBinding {
  readonly sub: string;
  readonly connection: string;
  readonly scopes: readonly string[];
}

/** Connect tickets, stored by the hash of the ticket (the ticket itself is never stored). */
export interface ConnectTicketStore {
  /** Stores a new ticket, and drops tickets that expired before `pruneBefore`. */
  insert(ticketHash: string, binding: TicketBinding, expiresAt: number, pruneBefore: number): Promise<void>;
  /**
   * Consume-once: atomically marks the ticket used and returns its binding, only if it is for
   * `connection`, unused, and not expired at `now` (expiresAt >= now); otherwise undefined and nothing changes.
   */
  consume(ticketHash: string, connection: string, now: number): Promise<TicketBinding | undefined>;
}
