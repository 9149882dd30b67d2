/** Per-user spending budgets of tools: reservations counted over a sliding window. */
export interface ReserveRequest {
  readonly tool: string;
  readonly sub: string;
  readonly currency: string;
  readonly amount: number;
  /** The limit for this currency; undefined when the tool sets none (the call is then always over). */
  readonly limit: number | undefined;
  readonly windowMs: number;
  readonly digest: string;
  readonly now: number;
}

export interface Reservation {
  readonly id: number;
  /** Whether used + amount stays within the limit. */
  readonly within: boolean;
  /** What this user had reserved or spent in the window before this call. */
  readonly used: number;
}

export interface BudgetStore {
  /**
   * Checks and reserves as one unit: concurrent calls (in this process or another on the same Store)
   * are serialized, so each sees every reservation made before it. The amount is reserved even when
   * the call is over its limit (it may still run after approval); `release` gives it back.
   */
  reserve(r: ReserveRequest): Promise<Reservation>;
  /** The call ended without running: its amount no longer counts. (A call that ran needs no write.) */
  release(id: number): Promise<void>;
}
