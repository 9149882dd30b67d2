import { beforeEach, describe, expect, it } from 'vitest';
import type { ApprovalLedger } from '../../src/approvals/approval-ledger.js';
import { createApprovalFlow, REDEEM_LEASE_MS, type ApprovalHooks } from '../../src/approvals/await-approval.js';
import type { CibaClient } from '../../src/approvals/ciba-client.js';
import type { PollOutcome } from '../../src/approvals/poll-token.js';
import { createAuditLog, type AuditLog } from '../../src/audit/audit-log.js';
import { ApprovalInvalidError, UpstreamUnavailableError } from '../../src/errors.js';
import { approveGate } from '../../src/gates/approve.js';
import { buildChain } from '../../src/gates/chain.js';
import type { Gate, ToolCall } from '../../src/gates/gate.js';
import { BearerCredential } from '../../src/identity/caller.js';
import { silentLogger } from '../../src/log.js';
import { createSqliteApprovalLedger } from '../../src/store/sqlite/approval-ledger.js';
import { createSqliteAuditStore } from '../../src/store/sqlite/audit-store.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { purchaseTool } from '../../src/tools/catalog/purchase.js';

/** The approval flow against a scripted authorization server and a frozen clock that sleeping advances. */
let clock: number;
let ledger: ApprovalLedger;
let audit: AuditLog;
let script: (PollOutcome | 'unreachable' | 'hang')[];
let hangAuthorize: boolean;
/** Called when a hanging authorize request has been sent (the ledger row is written by then). */
let authorizeHung: () => void = () => {};
let authorizeCalls: number;
let polls: number[];
let verify: CibaClient['verify'];

const ciba: CibaClient = {
  async authorize() {
    authorizeCalls++;
    if (hangAuthorize) return (authorizeHung(), new Promise<never>(() => {}));
    return { authReqId: `req-${authorizeCalls}`, expiresIn: 60, interval: 2 };
  },
  async poll() {
    polls.push(clock);
    const next = script.shift() ?? { kind: 'pending' };
    if (next === 'unreachable') throw new UpstreamUnavailableError('down');
    if (next === 'hang') return new Promise<never>(() => {});
    return next;
  },
  verify: (...a) => verify(...a),
};

function flow(waitSeconds = 30, hooks?: ApprovalHooks) {
  return createApprovalFlow({
    hooks,
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
  };
  return Object.assign(c, { sent: progress });
}

beforeEach(() => {
  clock = 1_000_000;
  const db = openDatabase(':memory:');
  ledger = createSqliteApprovalLedger(db);
  audit = createAuditLog(createSqliteAuditStore(db));
  script = [];
  authorizeCalls = 0;
  hangAuthorize = false;
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
    expect(c.sent[0]).toMatch(/^Waiting for approval on your device… \("Pay 900\.00 EUR unverified merchant #\w{6}"\)$/);
    const events = (await audit.recent(10)).map((e) => e.event).reverse();
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

  it('draining (stopWaiting aborted mid-wait): the wait ends at once with approval_pending, the approval stays open, and the same call resumes it on another flow (instance)', async () => {
    const drain = new AbortController();
    const started = clock;
    const draining = createApprovalFlow({
      ledger,
      ciba,
      audit,
      logger: silentLogger,
      waitSeconds: 300,
      expirySeconds: 60,
      now: () => clock,
      stopWaiting: drain.signal,
      sleep: async (ms) => {
        clock += ms;
        if (clock - started >= 5000) drain.abort();
      },
    });
    const first = await draining.obtain(call()).catch((e) => e);
    expect(first.code).toBe('approval_pending');
    expect(clock - started).toBeLessThan(300_000);
    expect((await ledger.get(first.approvalId))?.status).toBe('pending');
    expect((await audit.recent(10)).map((e) => e.event)).toEqual(['approval_requested']);
    script = [{ kind: 'approved', accessToken: 'at' }];
    const r = await flow(30).obtain(call());
    expect(r.id).toBe(first.approvalId);
    expect(r.status).toBe('approved');
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
    script = [{ kind: 'invalid', error: 'invalid_grant', reason: 'invalid_grant' }];
    await expect(flow().obtain(call())).rejects.toMatchObject({ code: 'approval_invalid' });
  });

  it('a token that does not match the call is refused and closes the approval', async () => {
    script = [{ kind: 'approved', accessToken: 'at' }];
    verify = async () => {
      throw new ApprovalInvalidError('mismatch');
    };
    await expect(flow().obtain(call())).rejects.toBeInstanceOf(ApprovalInvalidError);
    expect(await ledger.findOpen('D'.repeat(43))).toBeUndefined();
  });

  it('an unreachable server until the wait ends: upstream_unavailable, and the approval stays open (its last answer unknown)', async () => {
    script = ['unreachable', 'unreachable', 'unreachable'];
    await expect(flow(5).obtain(call())).rejects.toMatchObject({ code: 'upstream_unavailable' });
    expect(await ledger.findOpen('D'.repeat(43))).toMatchObject({ status: 'redeeming', reason: 'the answer to the token request was lost' });
  });

  it('consume succeeds once', async () => {
    script = [{ kind: 'approved', accessToken: 'at' }];
    const r = await flow().obtain(call());
    expect(await ledger.consume(r.id, clock)).toBe(true);
    expect(await ledger.consume(r.id, clock)).toBe(false);
    await expect(flow(0).obtain(call())).rejects.toMatchObject({ code: 'approval_pending' });
    expect(authorizeCalls).toBe(2);
  });
});

/**
 * Crash points of one approval, each a process that stops there (a hook or a request that never
 * answers) followed by a fresh flow on the same ledger — the restarted server.
 */
describe('approval flow across a crash', () => {
  const stopped = () => new Promise<never>(() => {});
  const D = 'D'.repeat(43);
  const eventsOf = async (event: string) => (await audit.recent(50)).filter((e) => e.event === event);

  it('stopped before the ledger recorded the CIBA request (starting): the retry waits, then closes it as abandoned (audited) and asks anew', async () => {
    hangAuthorize = true;
    const sent = new Promise<void>((resolve) => (authorizeHung = resolve));
    void flow().obtain(call());
    await sent;
    expect((await ledger.findOpen(D))?.status).toBe('starting');
    hangAuthorize = false;
    await expect(flow(0).obtain(call())).rejects.toMatchObject({ code: 'approval_pending' });
    expect(authorizeCalls).toBe(1);
    clock += 31_000;
    script = [{ kind: 'approved', accessToken: 'at' }];
    const r = await flow().obtain(call());
    expect(authorizeCalls).toBe(2);
    expect(r.status).toBe('approved');
    expect((await eventsOf('approval_resolved')).map((e) => e.data)).toContainEqual(expect.objectContaining({ decision: 'failed', reason: 'abandoned while starting' }));
  });

  it('stopped while pending (no token request in flight): the retry resumes the same approval', async () => {
    await expect(flow(1).obtain(call())).rejects.toMatchObject({ code: 'approval_pending' });
    expect((await ledger.findOpen(D))?.status).toBe('pending');
    script = [{ kind: 'approved', accessToken: 'at' }];
    const r = await flow().obtain(call());
    expect(r.status).toBe('approved');
    expect(authorizeCalls).toBe(1);
  });

  it('the token request is written ahead: redeeming with its time before it leaves', async () => {
    script = ['hang'];
    void flow().obtain(call());
    for (let i = 0; i < 10 && polls.length === 0; i++) await new Promise((r) => setImmediate(r));
    expect(polls).toHaveLength(1);
    expect(await ledger.findOpen(D)).toMatchObject({ status: 'redeeming', redeemingAt: polls[0], leaseUntil: polls[0]! + REDEEM_LEASE_MS });
  });

  it('stopped with a token request in flight that the server answers "not yet": the retry waits out the lease, asks again, and carries on', async () => {
    script = ['hang'];
    void flow().obtain(call());
    for (let i = 0; i < 10 && polls.length === 0; i++) await new Promise((r) => setImmediate(r));
    const sentAt = polls[0]!;
    script = [{ kind: 'pending' }, { kind: 'approved', accessToken: 'at' }];
    const r = await flow(60).obtain(call());
    expect(r.status).toBe('approved');
    expect(polls[1]! - sentAt).toBeGreaterThanOrEqual(REDEEM_LEASE_MS);
    expect(authorizeCalls).toBe(1);
    expect(await eventsOf('approval_interrupted')).toHaveLength(0);
  });

  it('stopped right after the approved token arrived: the retry gets approval_interrupted in plain words, audited; the next call asks anew; the old approval never runs', async () => {
    script = [{ kind: 'approved', accessToken: 'at' }];
    let received = '';
    void flow(30, { tokenReceived: async (id) => { received = id; return stopped(); } }).obtain(call());
    for (let i = 0; i < 20 && !received; i++) await new Promise((r) => setImmediate(r));
    expect((await ledger.get(received))?.status).toBe('redeeming');
    const receivedAt = polls[0]!;

    script = [{ kind: 'invalid', error: 'invalid_grant', reason: 'invalid_grant: backchannel authentication request already consumed' }];
    const retry = await flow(60).obtain(call()).catch((e: unknown) => e);
    expect(retry).toMatchObject({ code: 'approval_interrupted', approvalId: received });
    const hhmm = new Date(receivedAt).toISOString().slice(11, 16);
    expect((retry as Error).message).toBe(
      `Your approval at ${hhmm} UTC was received but the server restarted before using it; approve again: call this tool again to send a new request to your device. ` +
        `Nothing was run (approval ${received}, requested at ${new Date(1_000_000).toISOString().slice(11, 16)} UTC).`,
    );
    expect((await eventsOf('approval_interrupted')).map((e) => e.data)).toEqual([
      {
        approvalId: received,
        tool: 'purchase',
        askedUser: 'alice',
        digest: D,
        requestedAt: new Date(1_000_000).toISOString(),
        approvalReceivedAt: new Date(receivedAt).toISOString(),
        reason: 'the server stopped between receiving the approval and recording it',
      },
    ]);
    expect(await ledger.consume(received, clock)).toBe(false);

    script = [{ kind: 'approved', accessToken: 'at' }];
    const fresh = await flow().obtain(call());
    expect(fresh.id).not.toBe(received);
    expect(authorizeCalls).toBe(2);
    expect((await ledger.get(received))?.status).toBe('interrupted');
  });

  it('stopped right after the token arrived, but the server had not answered that request: the retry asks again and gets the approval', async () => {
    script = ['hang'];
    void flow().obtain(call());
    for (let i = 0; i < 10 && polls.length === 0; i++) await new Promise((r) => setImmediate(r));
    script = [{ kind: 'approved', accessToken: 'at' }];
    const r = await flow(60).obtain(call());
    expect(r.status).toBe('approved');
    expect(await eventsOf('approval_interrupted')).toHaveLength(0);
  });

  it('a redemption that hung past its lease loses to the one that took it over: neither runs, both say approval_interrupted', async () => {
    script = [{ kind: 'approved', accessToken: 'at' }];
    const second = flow(60);
    const first = flow(30, {
      tokenReceived: async () => {
        script = [{ kind: 'invalid', error: 'invalid_grant', reason: 'invalid_grant' }];
        clock += REDEEM_LEASE_MS;
        await expect(second.obtain(call())).rejects.toMatchObject({ code: 'approval_interrupted' });
      },
    }).obtain(call());
    await expect(first).rejects.toMatchObject({ code: 'approval_interrupted' });
    expect(await eventsOf('approval_interrupted')).toHaveLength(1);
    expect(await eventsOf('approval_resolved')).toHaveLength(0);
  });

  it('the start-up reconcile settles a redemption left behind once its lease ran out, without waiting for a retry; the retry is still told', async () => {
    script = [{ kind: 'approved', accessToken: 'at' }];
    let received = '';
    void flow(30, { tokenReceived: async (id) => { received = id; return stopped(); } }).obtain(call());
    for (let i = 0; i < 20 && !received; i++) await new Promise((r) => setImmediate(r));
    script = [{ kind: 'invalid', error: 'invalid_grant', reason: 'invalid_grant' }];
    expect(await flow().reconcile()).toBe(0);
    expect((await ledger.get(received))?.status).toBe('redeeming');
    clock += REDEEM_LEASE_MS;
    expect(await flow().reconcile()).toBe(1);
    expect((await ledger.get(received))?.status).toBe('interrupted');
    expect(await eventsOf('approval_interrupted')).toHaveLength(1);
    // The retry is told once, in the person's words; the call after it starts a fresh request.
    const told = await flow(0).obtain(call()).catch((x: unknown) => x);
    expect(told).toMatchObject({ code: 'approval_interrupted', approvalId: received });
    expect((told as Error).message).toMatch(/^Your approval at \d\d:\d\d UTC was received but the server restarted before using it; approve again/);
    expect(authorizeCalls).toBe(1);
    await expect(flow(0).obtain(call())).rejects.toMatchObject({ code: 'approval_pending' });
    expect(authorizeCalls).toBe(2);
  });

  it('a lost answer (server unreachable) is settled like a crash: "already used" on the next poll is approval_interrupted, said so', async () => {
    script = ['unreachable', { kind: 'invalid', error: 'invalid_grant', reason: 'invalid_grant' }];
    const e = await flow(30).obtain(call()).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'approval_interrupted' });
    expect((e as Error).message).toMatch(/^Your approval at \d\d:\d\d UTC was received but it could not be used \(the answer to the token request was lost\); approve again/);
  });

  it('stopped after the ledger recorded the approval, before it was consumed: the retry runs the tool exactly once', async () => {
    script = [{ kind: 'approved', accessToken: 'at' }];
    const recorded = await flow().obtain(call());
    expect(recorded.status).toBe('approved');
    let runs = 0;
    const allow: Gate = { name: 'allow', evaluate: async () => ({ decision: 'allow' }) };
    const chain = buildChain({ callers: allow, scopes: allow, rateLimit: allow, authorize: allow, connect: allow, budget: allow, approve: approveGate({ flow: flow(0), ledger, now: () => clock }) });
    const run = async () => ((runs += 1), { text: 'ran' });
    expect(await chain.walk(call(), run)).toMatchObject({ ok: true, output: { text: 'ran' }, grants: { approval: { id: recorded.id, approvedBy: 'alice' } } });
    expect(await chain.walk(call(), run)).toMatchObject({ ok: false, error: { code: 'approval_pending' } });
    expect(runs).toBe(1);
    expect(authorizeCalls).toBe(2);
  });

  it('stopped after consume, before (or after) the tool ran: the approval is spent, the retry asks anew, nothing runs twice on it', async () => {
    script = [{ kind: 'approved', accessToken: 'at' }];
    const r = await flow().obtain(call());
    expect(await ledger.consume(r.id, clock)).toBe(true);
    await expect(flow(0).obtain(call())).rejects.toMatchObject({ code: 'approval_pending' });
    expect(authorizeCalls).toBe(2);
    expect((await ledger.get(r.id))?.status).toBe('consumed');
    expect(await ledger.consume(r.id, clock)).toBe(false);
  });

  it('the start-up reconcile stops at an unreachable server and leaves the redemption for the next caller', async () => {
    script = [{ kind: 'approved', accessToken: 'at' }];
    let received = '';
    void flow(30, { tokenReceived: async (id) => { received = id; return stopped(); } }).obtain(call());
    for (let i = 0; i < 20 && !received; i++) await new Promise((r) => setImmediate(r));
    clock += REDEEM_LEASE_MS;
    script = ['unreachable', { kind: 'invalid', error: 'invalid_grant', reason: 'invalid_grant' }];
    expect(await flow().reconcile()).toBe(0);
    expect((await ledger.get(received))?.status).toBe('redeeming');
    const e = await flow().obtain(call()).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'approval_interrupted', approvalId: received });
    expect((e as Error).message).toMatch(/was received but the server restarted before using it; approve again/);
  });

  it('a taken-over redemption refused for another reason (e.g. invalid_client) is a plain failure, not an interruption', async () => {
    script = ['hang'];
    void flow().obtain(call());
    for (let i = 0; i < 10 && polls.length === 0; i++) await new Promise((r) => setImmediate(r));
    script = [{ kind: 'invalid', error: 'invalid_client', reason: 'invalid_client: client authentication failed' }];
    await expect(flow(60).obtain(call())).rejects.toMatchObject({ code: 'approval_invalid', message: expect.stringContaining('invalid_client') });
    expect(await eventsOf('approval_interrupted')).toHaveLength(0);
  });
});
