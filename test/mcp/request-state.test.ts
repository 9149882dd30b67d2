import { describe, expect, it } from 'vitest';
import { createRequestStateCodec } from '../../src/mcp/request-state.js';

describe('the requestState seal', () => {
  let now = 1_000_000;
  const codec = createRequestStateCodec({ ttlSeconds: 60, now: () => now });
  const call = { sub: 'alice', tool: 'purchase', digest: 'd1' };
  const state = codec.mint({ kind: 'approval', ...call, approvalId: 'a1' });

  it('opens for exactly the call it was minted for', () => {
    expect(codec.check(state, call)).toEqual({ ok: true, payload: { v: 1, kind: 'approval', ...call, approvalId: 'a1', exp: 1_060_000 } });
  });

  it.each([
    ['another caller', { ...call, sub: 'bob' }, 'other_caller'],
    ['another tool', { ...call, tool: 'send_email' }, 'other_tool'],
    ['other arguments', { ...call, digest: 'd2' }, 'other_arguments'],
  ])('refuses %s', (_what, other, reason) => {
    expect(codec.check(state, other)).toEqual({ ok: false, reason });
  });

  it('refuses a state sealed by another process (another key) as forged, and garbage as malformed', () => {
    const other = createRequestStateCodec({ ttlSeconds: 60, now: () => now });
    expect(other.check(state, call)).toEqual({ ok: false, reason: 'forged' });
    for (const bad of ['', 'abc', 'a.b.c', `${'x'.repeat(3000)}.y`]) expect(codec.check(bad, call).ok).toBe(false);
    expect(codec.check('abc', call)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('expires after its lifetime', () => {
    now += 60_000;
    expect(codec.check(state, call)).toEqual({ ok: false, reason: 'expired' });
  });
});
