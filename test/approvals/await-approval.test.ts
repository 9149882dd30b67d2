import { beforeEach, describe, expect, it } from 'vitest';
import { createApprovalLedger, type ApprovalLedger } from '../../src/approvals/approval-ledger.js';
import { createApprovalFlow } from '../../src/approvals/await-approval.js';
import type { CibaClient } from '../../src/approvals/ciba-client.js';
import type { PollOutcome } from '../../src/approvals/poll-token.js';
import { createAuditLog, type AuditLog } from '../../src/audit/audit-log.js';
import { ApprovalInvalidError, UpstreamUnavailableError } from '../../src/errors.js';
import type { ToolCall } from '../../src/gates/gate.js';
import { BearerCredential } from '../../src/identity/caller.js';
import { silentLogger } from '../../src/log.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { purchaseTool } from '../../src/tools/catalog/purchase.js';

/** The approval flow against a scripted authorization server and a frozen clock that sleeping advances. */
let clock: number;
let ledger: ApprovalLedger;
let audit: AuditLog;
let script: (PollOutcome | 'unreachable')[];
let authorizeCalls: number;
let polls: number[];
let verify: CibaClient['verify'];

const ciba: CibaClient = {
  async authorize() {
    authorizeCalls++;
    return { authReqId: `req-${authorizeCalls}`, expiresIn: 60, interval: 2 };
  },
  async poll() {
    polls.push(clock);
    const next = script.shift() ?? { kind: 'pending' };
    if (next === 'unreachable') throw new UpstreamUnavailableError('down');
    return next;
  },
  verify: (...a) => verify(...a),
};

function flow(waitSeconds = 30) {
  return createApprovalFlow({
    ledger,
    ciba,
    audit,
    logger: silentLogger,
    waitSeconds,
    expirySeconds: 60,
    now: () => clock,
    sleep: async (ms) => void (clock += ms),
  });
}

const tool = purchaseTool(500);
function call(args: Record<string, unknown> = { item: 'Laptop', amount: 900, currency: 'EUR', merchant: 'Demo' }, digest = 'D'.repeat(43)) {
  const progress: string[] = [];
  const c: ToolCall = {
    tool,
    args,
    caller: { kind: 'user', sub: 'alice', clientId: 'c', scopes: [], permissions: [], issuer: 'i', expiresAt: 0 },
    credential: new BearerCredential('x'),
    resource: 'http://127.0.0.1:1/mcp',
    digest,
    signal: new AbortController().signal,
    progress: async (m) => void progress.push(m),
    decisions: [],
    grants: new Map(),
  };
  return Object.assign(c, { sent: progress });
}

beforeEach(() => {
  clock = 1_000_000;
  const db = openDatabase(':memory:');
  ledger = createApprovalLedger(db);
  audit = createAuditLog(db);
  script = [];
  authorizeCalls = 0;
  polls = [];
  verify = async () => ({ approvedBy: 'alice', approvedAt: clock, validUntil: clock + 60_000 });
});

describe('approval flow', () => {
  it('polls at the advertised interval, sends progress, and returns the approved record', async () => {
    script = [{ kind: 'pending' }, { kind: 'pending' }, { kind: 'approved', accessToken: 'at' }];
    const c = call();
    const r = await flow().obtain(c);
    expect(r.status).toBe('approved');
    expect(r.approvedBy).toBe('alice');
    expect(polls.map((t) => t - 1_000_000)).toEqual([2000, 4000, 6000]);
    expect(c.sent.length).toBeGreaterThanOrEqual(3);
    expect(c.sent[0]).toMatch(/^Waiting for approval on your device… \("Buy Laptop 900 EUR #\w{6}"\)$/);
    const events = audit.recent(10).map((e) => e.event).reverse();
    expect(events).toEqual(['approval_requested', 'approval_resolved']);
  });

  it('slow_down: the interval grows by 5 s for this and every later poll', async () => {
    script = [{ kind: 'slow_down' }, { kind: 'pending' }, { kind: 'approved', accessToken: 'at' }];
    const r = await flow().obtain(call());
    expect(polls.map((t) => t - 1_000_000)).toEqual([2000, 9000, 16000]);
    expect(r.intervalMs).toBe(7000);
  });

  it('slow_down honours a longer Retry-After', async () => {
    script = [{ kind: 'slow_down', retryAfterSeconds: 20 }, { kind: 'approved', accessToken: 'at' }];
    await flow().obtain(call());
    expect(polls.map((t) => t - 1_000_000)).toEqual([2000, 22000]);
  });

  it('returns pending when the wait is over, and a later identical call resumes the same approval', async () => {
    const first = await flow(3).obtain(call()).catch((e) => e);
    expect(first.code).toBe('approval_pending');
    expect(first.message).toMatch(/Approval \w+ is open until \d{4}-/);
    script = [{ kind: 'approved', accessToken: 'at' }];
    const r = await flow(30).obtain(call());
    expect(r.id).toBe(first.approvalId);
    expect(authorizeCalls).toBe(1);
  });

  it('different arguments never reuse an approval', async () => {
    await flow(0).obtain(call()).catch(() => undefined);
    await flow(0).obtain(call({ item: 'Laptop', amount: 901, currency: 'EUR', merchant: 'Demo' }, 'E'.repeat(43))).catch(() => undefined);
    expect(authorizeCalls).toBe(2);
  });

  it('denied: approval_denied, and the next identical call asks anew', async () => {
    script = [{ kind: 'denied' }];
    await expect(flow().obtain(call())).rejects.toMatchObject({ code: 'approval_denied' });
    await flow(0).obtain(call()).catch(() => undefined);
    expect(authorizeCalls).toBe(2);
  });

  it('expired on our own clock even while the server still says pending', async () => {
    await expect(flow(120).obtain(call())).rejects.toMatchObject({ code: 'approval_expired' });
    expect(clock - 1_000_000).toBeGreaterThanOrEqual(60_000);
  });

  it('expired_token from the server: approval_expired; access_denied after expiry counts as expired too', async () => {
    script = [{ kind: 'expired' }];
    await expect(flow().obtain(call())).rejects.toMatchObject({ code: 'approval_expired' });
  });

  it('an unknown request (invalid_grant) fails with approval_invalid', async () => {
    script = [{ kind: 'invalid', reason: 'invalid_grant' }];
    await expect(flow().obtain(call())).rejects.toMatchObject({ code: 'approval_invalid' });
  });

  it('a token that does not match the call is refused and closes the approval', async () => {
    script = [{ kind: 'approved', accessToken: 'at' }];
    verify = async () => {
      throw new ApprovalInvalidError('mismatch');
    };
    await expect(flow().obtain(call())).rejects.toBeInstanceOf(ApprovalInvalidError);
    expect(ledger.findOpen('D'.repeat(43))).toBeUndefined();
  });

  it('an unreachable server until the wait ends: upstream_unavailable, and the approval stays open (its last answer unknown)', async () => {
    script = ['unreachable', 'unreachable', 'unreachable'];
    await expect(flow(5).obtain(call())).rejects.toMatchObject({ code: 'upstream_unavailable' });
    expect(ledger.findOpen('D'.repeat(43))).toMatchObject({ status: 'redeeming', reason: 'the answer to the token request was lost' });
  });

  it('consume succeeds once', async () => {
    script = [{ kind: 'approved', accessToken: 'at' }];
    const r = await flow().obtain(call());
    expect(ledger.consume(r.id, clock)).toBe(true);
    expect(ledger.consume(r.id, clock)).toBe(false);
    await expect(flow(0).obtain(call())).rejects.toMatchObject({ code: 'approval_pending' });
    expect(authorizeCalls).toBe(2);
  });
});
