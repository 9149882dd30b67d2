import { describe, expect, it } from 'vitest';
import { CircuitOpenError, UpstreamOverloadedError, UpstreamTimeoutError } from '../../src/errors.js';
import { createUpstream, type UpstreamListener, type UpstreamOutcome } from '../../src/resilience/upstream.js';

const settings = { deadlineMs: 100, maxConcurrent: 2, breakerFailures: 3, breakerHalfOpenMs: 300 };

/** An upstream that never answers: resolves only when the call's signal aborts (and says so). */
function hung(aborted: AbortSignal[]) {
  return (signal: AbortSignal) =>
    new Promise<never>((_, reject) => {
      aborted.push(signal);
      signal.addEventListener('abort', () => reject(new Error('aborted by the deadline')));
    });
}

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

function recorder() {
  const outcomes: [string, UpstreamOutcome][] = [];
  const circuits: string[] = [];
  const listener: UpstreamListener = { outcome: (u, o) => outcomes.push([u, o]), circuit: (u, s) => circuits.push(`${u}:${s}`) };
  return { outcomes, circuits, listener };
}

describe('upstream policy (cockatiel): deadline, bulkhead, circuit breaker — every refusal typed and fail-closed', () => {
  it('a call that outlives its deadline fails with `timeout`, naming the upstream and that nothing was done; its signal is aborted', async () => {
    const signals: AbortSignal[] = [];
    const u = createUpstream('fga', 'the authorization service (FGA)', settings);
    const t0 = performance.now();
    const e = await failure(u.run(hung(signals)));
    const elapsed = performance.now() - t0;
    expect(e).toBeInstanceOf(UpstreamTimeoutError);
    expect(e).toMatchObject({ code: 'timeout', upstream: 'fga' });
    expect((e as Error).message).toBe('The authorization service (FGA) did not answer within 100 ms; the call was refused and nothing was done. Try again later.');
    expect(signals[0]!.aborted).toBe(true);
    // A correctness bound, not a benchmark: far below what a hung request would otherwise wait.
    expect(elapsed).toBeLessThan(3 * settings.deadlineMs);
  });

  it('a request that may have acted upstream says so when it times out', async () => {
    const u = createUpstream('provider:google-oauth2', 'the Google API', settings);
    const e = await failure(u.run(hung([]), { mayHaveActed: true }));
    expect((e as Error).message).toBe('The Google API did not answer within 100 ms; the call was stopped, but the request may have been carried out: check before trying again.');
  });

  it('consecutive failures open the circuit: further calls fail fast with `circuit_open` without calling the upstream', async () => {
    const { outcomes, circuits, listener } = recorder();
    const u = createUpstream('vault', 'the token vault', settings, listener);
    let calls = 0;
    const down = async () => {
      calls++;
      throw new Error('connection refused');
    };
    for (let i = 0; i < settings.breakerFailures; i++) expect(await failure(u.run(down))).toMatchObject({ message: 'connection refused' });
    expect(u.circuitState()).toBe('open');
    const e = await failure(u.run(down));
    expect(e).toBeInstanceOf(CircuitOpenError);
    expect(e).toMatchObject({ code: 'circuit_open', upstream: 'vault' });
    expect((e as Error).message).toBe('The token vault failed repeatedly and is not being called for now (circuit open); the call was refused and nothing was done. Try again in 1 s.');
    expect(calls).toBe(settings.breakerFailures);
    expect(outcomes).toEqual([['vault', 'error'], ['vault', 'error'], ['vault', 'error'], ['vault', 'circuit_open']]);
    expect(circuits).toEqual(['vault:open']);
  });

  it('timeouts count as failures and open the circuit too', async () => {
    const u = createUpstream('fga', 'the authorization service (FGA)', settings);
    for (let i = 0; i < settings.breakerFailures; i++) expect(await failure(u.run(hung([])))).toMatchObject({ code: 'timeout' });
    expect(await failure(u.run(async () => true))).toMatchObject({ code: 'circuit_open' });
  });

  it('an answer that shows the upstream is up (isFailure false) never opens the circuit', async () => {
    const u = createUpstream('fga', 'the authorization service (FGA)', settings);
    class Invalid extends Error {}
    for (let i = 0; i < settings.breakerFailures * 2; i++) {
      expect(await failure(u.run(async () => Promise.reject(new Invalid('bad request')), { isFailure: (e) => !(e instanceof Invalid) }))).toBeInstanceOf(Invalid);
    }
    expect(u.circuitState()).toBe('closed');
    expect(await u.run(async () => 'answered')).toBe('answered');
  });

  it('half-open: after the pause one probe call goes through; its success closes the circuit, a failure opens it again', async () => {
    const { circuits, listener } = recorder();
    const u = createUpstream('ciba', 'the approval service (CIBA)', settings, listener);
    const down = () => Promise.reject(new Error('down'));
    for (let i = 0; i < settings.breakerFailures; i++) await failure(u.run(down));
    expect(await failure(u.run(async () => 'skipped'))).toMatchObject({ code: 'circuit_open' });
    await new Promise((r) => setTimeout(r, settings.breakerHalfOpenMs + 50));
    expect(await failure(u.run(down))).toMatchObject({ message: 'down' });
    expect(u.circuitState()).toBe('open');
    await new Promise((r) => setTimeout(r, settings.breakerHalfOpenMs + 50));
    expect(await u.run(async () => 'back')).toBe('back');
    expect(u.circuitState()).toBe('closed');
    expect(circuits).toEqual(['ciba:open', 'ciba:half_open', 'ciba:open', 'ciba:half_open', 'ciba:closed']);
  });

  it('bulkhead: with maxConcurrent calls waiting, one more is refused at once with `overloaded`', async () => {
    const { outcomes, listener } = recorder();
    const u = createUpstream('my_account', 'the account service (My Account API)', { ...settings, deadlineMs: 1000 }, listener);
    const release: (() => void)[] = [];
    const waiting = Array.from({ length: settings.maxConcurrent }, () => u.run(() => new Promise<string>((r) => release.push(() => r('done')))));
    let ran = false;
    const e = await failure(
      u.run(async () => {
        ran = true;
      }),
    );
    expect(e).toBeInstanceOf(UpstreamOverloadedError);
    expect(e).toMatchObject({ code: 'overloaded', upstream: 'my_account' });
    expect((e as Error).message).toBe('Too many calls are waiting on the account service (My Account API); the call was refused and nothing was done. Try again shortly.');
    expect(ran).toBe(false);
    release.forEach((r) => r());
    expect(await Promise.all(waiting)).toEqual(['done', 'done']);
    expect(outcomes.filter(([, o]) => o === 'overloaded')).toHaveLength(1);
    // Rejections by the bulkhead are not failures of the upstream.
    expect(u.circuitState()).toBe('closed');
  });
});
