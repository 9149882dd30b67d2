/**
 * One resilience policy per upstream service (FGA, Token Vault, My Account API, CIBA, each provider
 * API), built on cockatiel: a bulkhead caps the calls waiting on the upstream (excess refused at once),
 * a circuit breaker stops calling an upstream that keeps failing (consecutive failures or timeouts open
 * it; after a pause one probe call may close it again), and a deadline bounds every call. The call's
 * AbortSignal is aborted at the deadline, so the request and its socket are released too.
 *
 * Every refusal is a typed error that names the upstream and says nothing was done: `timeout`,
 * `circuit_open`, `overloaded`. None of them ever becomes an answer (fail closed).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  CircuitState,
  ConsecutiveBreaker,
  IsolatedCircuitError,
  TaskCancelledError,
  bulkhead,
  circuitBreaker,
  handleWhen,
  timeout,
  TimeoutStrategy,
  wrap,
} from 'cockatiel';
import { CircuitOpenError, UpstreamOverloadedError, UpstreamTimeoutError } from '../errors.js';
import { inSpan } from '../telemetry/spans.js';

export interface UpstreamSettings {
  /** Deadline of one call, in milliseconds. */
  readonly deadlineMs: number;
  /** Calls that may wait on this upstream at once; one more is refused at once (`overloaded`). */
  readonly maxConcurrent: number;
  /** Consecutive failures (errors counted as failures, or timeouts) that open the circuit. */
  readonly breakerFailures: number;
  /** How long an open circuit refuses calls before one probe call may close it. */
  readonly breakerHalfOpenMs: number;
}

export type CircuitStateName = 'closed' | 'open' | 'half_open';

/** How one call through the policy ended, for metrics. `error`: the upstream answered with a failure. */
export type UpstreamOutcome = 'ok' | 'error' | 'timeout' | 'circuit_open' | 'overloaded';

export interface UpstreamListener {
  outcome(upstream: string, outcome: UpstreamOutcome): void;
  circuit(upstream: string, state: CircuitStateName): void;
}

export interface UpstreamCallOptions {
  /**
   * Whether an error the call threw counts against the circuit (default: every error). An answer such
   * as "invalid request" or "not connected" shows the upstream is up and should not open it.
   */
  readonly isFailure?: (e: unknown) => boolean;
  /**
   * The request may change something upstream (a provider POST): a timeout then cannot promise that
   * nothing was done, and says so.
   */
  readonly mayHaveActed?: boolean;
}

export interface Upstream {
  readonly name: string;
  readonly settings: UpstreamSettings;
  /** Runs `fn` under the policy; `signal` aborts at the deadline (pass it to the request). */
  run<T>(fn: (signal: AbortSignal) => Promise<T>, opts?: UpstreamCallOptions): Promise<T>;
  circuitState(): CircuitStateName;
}

const signals = new AsyncLocalStorage<AbortSignal>();

/**
 * The deadline signal of the upstream call this code runs in, if any: for clients that take no signal
 * per call but let us hook their requests (an HTTP client interceptor, a custom fetch).
 */
export function currentUpstreamSignal(): AbortSignal | undefined {
  return signals.getStore();
}

/** Runs `fn` with `signal` as the current upstream signal (a probe that bypasses the policy but keeps a deadline). */
export function withUpstreamSignal<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  return signals.run(signal, fn);
}

/** A fetch that also aborts at the deadline of the upstream call it runs in (for clients that accept a custom fetch). */
export const upstreamFetch: typeof fetch = (input, init) => {
  const deadline = currentUpstreamSignal();
  if (!deadline) return fetch(input, init);
  const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
  return fetch(input, { ...init, signal });
};

const stateName = (s: CircuitState): CircuitStateName => (s === CircuitState.Closed ? 'closed' : s === CircuitState.HalfOpen ? 'half_open' : 'open');

/**
 * A policy for one upstream. `label` is how messages name it ("the authorization service (FGA)").
 * Marker errors from the policy's own refusals never count as failures of the upstream.
 */
export function createUpstream(name: string, label: string, settings: UpstreamSettings, listener?: UpstreamListener): Upstream {
  const counts = new WeakMap<Error, boolean>();
  const isolation = bulkhead(settings.maxConcurrent, 0);
  const breaker = circuitBreaker(
    handleWhen((e) => counts.get(e) ?? true),
    { halfOpenAfter: settings.breakerHalfOpenMs, breaker: new ConsecutiveBreaker(settings.breakerFailures) },
  );
  const deadline = timeout(settings.deadlineMs, TimeoutStrategy.Aggressive);
  const policy = wrap(isolation, breaker, deadline);
  breaker.onStateChange((s) => listener?.circuit(name, stateName(s)));
  const seconds = Math.max(1, Math.ceil(settings.breakerHalfOpenMs / 1000));

  return {
    name,
    settings,
    circuitState: () => stateName(breaker.state),
    /** Traced as an `upstream <name>` span (a child of the current one) with its outcome; the error kind on failure. */
    run: (fn, opts = {}) =>
      inSpan(`upstream ${name}`, { 'gatehouse.upstream': name }, async (span) => {
        const ended = (outcome: UpstreamOutcome) => {
          span.setAttribute('gatehouse.outcome', outcome);
          listener?.outcome(name, outcome);
        };
        try {
          const result = await policy.execute(({ signal }) =>
            signals.run(signal, async () => {
              try {
                return await fn(signal);
              } catch (e) {
                if (e instanceof Error && opts.isFailure) counts.set(e, opts.isFailure(e));
                throw e;
              }
            }),
          );
          ended('ok');
          return result;
        } catch (e) {
          if (e instanceof TaskCancelledError) {
            ended('timeout');
            const outcome = opts.mayHaveActed
              ? 'the call was stopped, but the request may have been carried out: check before trying again.'
              : 'the call was refused and nothing was done. Try again later.';
            throw new UpstreamTimeoutError(name, `${capitalize(label)} did not answer within ${settings.deadlineMs} ms; ${outcome}`, { cause: e });
          }
          if (e instanceof BrokenCircuitError || e instanceof IsolatedCircuitError) {
            ended('circuit_open');
            throw new CircuitOpenError(name, `${capitalize(label)} failed repeatedly and is not being called for now (circuit open); the call was refused and nothing was done. Try again in ${seconds} s.`, { cause: e });
          }
          if (e instanceof BulkheadRejectedError) {
            ended('overloaded');
            throw new UpstreamOverloadedError(name, `Too many calls are waiting on ${label}; the call was refused and nothing was done. Try again shortly.`, { cause: e });
          }
          ended('error');
          throw e;
        }
      }),
  };
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The upstream services Gatehouse calls; `provider(connection)` is one policy per provider connection. */
export interface Upstreams {
  readonly fga: Upstream;
  readonly vault: Upstream;
  readonly myAccount: Upstream;
  readonly ciba: Upstream;
  provider(connection: string): Upstream;
  /** Every policy made so far (providers appear on first use). */
  all(): readonly Upstream[];
}

export interface UpstreamsSettings {
  readonly fga: UpstreamSettings;
  readonly vault: UpstreamSettings;
  readonly ciba: UpstreamSettings;
  readonly provider: UpstreamSettings;
}

/** Defaults when nothing is configured (src/config.ts has the same numbers for its variables). */
export const DEFAULT_UPSTREAM_SETTINGS: UpstreamsSettings = {
  fga: { deadlineMs: 2000, maxConcurrent: 64, breakerFailures: 5, breakerHalfOpenMs: 10_000 },
  vault: { deadlineMs: 5000, maxConcurrent: 64, breakerFailures: 5, breakerHalfOpenMs: 10_000 },
  ciba: { deadlineMs: 5000, maxConcurrent: 64, breakerFailures: 5, breakerHalfOpenMs: 10_000 },
  provider: { deadlineMs: 10_000, maxConcurrent: 64, breakerFailures: 5, breakerHalfOpenMs: 10_000 },
};

/** Several listeners behind one (metrics, logs); listeners may be added after the policies exist. */
export class UpstreamEvents implements UpstreamListener {
  private readonly listeners = new Set<UpstreamListener>();
  add(l: UpstreamListener): () => void {
    this.listeners.add(l);
    return () => void this.listeners.delete(l);
  }
  outcome(upstream: string, outcome: UpstreamOutcome): void {
    for (const l of this.listeners) l.outcome(upstream, outcome);
  }
  circuit(upstream: string, state: CircuitStateName): void {
    for (const l of this.listeners) l.circuit(upstream, state);
  }
}

export function createUpstreams(settings: UpstreamsSettings = DEFAULT_UPSTREAM_SETTINGS, events: UpstreamListener = new UpstreamEvents()): Upstreams {
  const fga = createUpstream('fga', 'the authorization service (FGA)', settings.fga, events);
  const vault = createUpstream('vault', 'the token vault', settings.vault, events);
  const myAccount = createUpstream('my_account', 'the account service (My Account API)', settings.vault, events);
  const ciba = createUpstream('ciba', 'the approval service (CIBA)', settings.ciba, events);
  const providers = new Map<string, Upstream>();
  return {
    fga,
    vault,
    myAccount,
    ciba,
    provider(connection) {
      let p = providers.get(connection);
      if (!p) {
        p = createUpstream(`provider:${connection}`, `the ${connection === 'google-oauth2' ? 'Google' : connection} API`, settings.provider, events);
        providers.set(connection, p);
      }
      return p;
    },
    all: () => [fga, vault, myAccount, ciba, ...providers.values()],
  };
}
