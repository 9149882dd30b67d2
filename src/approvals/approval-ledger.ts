// The ledger's contract lives with the Store ports; the approvals core uses it through these types.
export type { ApprovalLedger, ApprovalRecord, ApprovalStatus, NewApproval } from '../store/ports/approval-ledger.js';
