export interface Order {
  readonly id: string;
  readonly sub: string;
  readonly item: string;
  readonly amount: number;
  readonly currency: string;
  readonly merchant: string;
  readonly approvalId?: string;
}

/** The demo merchant the purchase tool buys from: it records the order and returns it with a new id. No money moves. */
export interface DemoMerchant {
  placeOrder(order: Omit<Order, 'id'>): Promise<Order>;
}
