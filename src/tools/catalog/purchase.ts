import { z } from 'zod';
import { defineTool, type ApprovalGrant } from '../define.js';
import { memoryMerchant, type DemoMerchant } from './demo-merchant.js';

/** Merchants the approval names as such; any other is shown as an unverified merchant. */
export const KNOWN_MERCHANTS: readonly string[] = ['Demo Store'];

/**
 * purchase: buys from the demo merchant. High risk: above `threshold` (GATEHOUSE_PURCHASE_APPROVAL_THRESHOLD)
 * the caller must approve this exact purchase on their trusted device first. The same threshold, in USD,
 * is each user's budget per 24 h: once their purchases would sum past it — or for any other currency —
 * each further purchase needs approval too, so splitting a large order into small ones does not avoid it.
 */
export function purchaseTool(threshold: number, merchant: DemoMerchant = memoryMerchant()) {
  return defineTool({
    name: 'purchase',
    title: 'Purchase',
    description: `Buy an item from a merchant on the user's behalf (demo merchant: no money moves). Purchases above ${threshold}, purchases that take the user past ${threshold} USD in 24 hours, and purchases in any other currency need the user's approval on their device.`,
    input: z
      .object({
        item: z.string().trim().min(1).max(200).describe('What to buy'),
        amount: z.number().positive().max(1_000_000_000).describe('Total price'),
        currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR').describe('ISO 4217 currency code, e.g. EUR'),
        merchant: z.string().trim().min(1).max(100).describe('Where to buy it'),
      })
      .strict(),
    scopes: ['purchases:create'],
    risk: 'high',
    callers: ['user'],
    rateLimit: { perMinute: 10 },
    budget: { amount: (a) => ({ value: a.amount, currency: a.currency }), limit: { USD: threshold }, windowSeconds: 86_400, over: 'approve' },
    approval: (a) => a.amount > threshold,
    describeApproval: (a) => ({
      verb: 'Pay',
      instruction: 'Approve a purchase from the demo merchant (no real money moves)',
      amount: { value: a.amount, currency: a.currency },
      merchant: { name: a.merchant, knownMerchants: KNOWN_MERCHANTS },
      texts: [{ key: 'item', label: 'Item', text: a.item }],
    }),
    async run(a, { caller, grants }) {
      const approval = grants.approval;
      const order = await merchant.placeOrder({ sub: caller.sub, item: a.item, amount: a.amount, currency: a.currency, merchant: a.merchant, approvalId: approval?.id });
      const approvedText = approval ? ` Approved by ${approval.approvedBy} at ${approval.approvedAt} (approval ${approval.id}).` : '';
      return {
        text: `Ordered "${a.item}" for ${a.amount} ${a.currency} from ${a.merchant}: order ${order.id}.${approvedText}`,
        structured: { orderId: order.id, item: a.item, amount: a.amount, currency: a.currency, merchant: a.merchant, approval: approval ?? null },
      };
    },
  });
}
