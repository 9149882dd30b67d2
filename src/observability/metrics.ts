/**
 * Gatehouse's Prometheus metrics (prom-client), one registry per server (several servers may share a
 * process). What they count: tool calls by tool and outcome, each gate's latency, upstream failures by
 * upstream and kind, circuit states, bulkhead rejections, approvals waiting, budget refusals; plus
 * prom-client's default process metrics. Labels are tool, gate, upstream and outcome names only: never
 * a user, an argument or a token.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CircuitStateName, UpstreamListener, UpstreamOutcome } from '../resilience/upstream.js';

/** Numeric value of gatehouse_upstream_circuit_state. */
export const CIRCUIT_STATE_VALUE: Readonly<Record<CircuitStateName, number>> = { closed: 0, open: 1, half_open: 2 };

export interface MetricsSources {
  /** Every upstream policy and its current circuit state (read at scrape time). */
  readonly circuits: () => readonly { readonly name: string; readonly state: CircuitStateName }[];
  /** Approvals asked for and not yet answered (read at scrape time); absent when approvals are not configured. */
  readonly approvalsPending?: () => Promise<number>;
}

export interface Metrics extends UpstreamListener {
  readonly registry: Registry;
  /** For the gate chain's observer. */
  gate(name: string, decision: string, seconds: number): void;
  call(tool: string, outcome: string): void;
  /** The Prometheus text exposition. */
  render(): Promise<string>;
  readonly contentType: string;
}

export function createMetrics(sources: MetricsSources): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const calls = new Counter({ name: 'gatehouse_tool_calls_total', help: 'Tool calls by tool and outcome (ok, or the refusal code).', labelNames: ['tool', 'outcome'], registers: [registry] });
  const gates = new Histogram({
    name: 'gatehouse_gate_duration_seconds',
    help: "Each gate's own time on a call (until it passes the call on or stops it), by gate and decision.",
    labelNames: ['gate', 'decision'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const upstreamErrors = new Counter({
    name: 'gatehouse_upstream_errors_total',
    help: 'Upstream calls that did not succeed, by upstream and kind (error, timeout, circuit_open, overloaded).',
    labelNames: ['upstream', 'kind'],
    registers: [registry],
  });
  const upstreamCalls = new Counter({ name: 'gatehouse_upstream_calls_total', help: 'Upstream calls by upstream and outcome.', labelNames: ['upstream', 'outcome'], registers: [registry] });
  const rejections = new Counter({ name: 'gatehouse_upstream_bulkhead_rejections_total', help: 'Calls refused at once because too many were waiting on the upstream.', labelNames: ['upstream'], registers: [registry] });
  new Gauge({
    name: 'gatehouse_upstream_circuit_state',
    help: 'Circuit breaker state per upstream: 0 closed, 1 open, 2 half-open.',
    labelNames: ['upstream'],
    registers: [registry],
    collect() {
      for (const c of sources.circuits()) this.set({ upstream: c.name }, CIRCUIT_STATE_VALUE[c.state]);
    },
  });
  const budget = new Counter({ name: 'gatehouse_budget_refusals_total', help: 'Calls refused because they would exceed the caller\'s budget.', labelNames: ['tool'], registers: [registry] });
  if (sources.approvalsPending) {
    const pending = sources.approvalsPending;
    new Gauge({
      name: 'gatehouse_approvals_pending',
      help: 'Approvals asked for and not yet answered.',
      registers: [registry],
      async collect() {
        this.set(await pending());
      },
    });
  }
  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    gate(name, decision, seconds) {
      gates.observe({ gate: name, decision }, seconds);
    },
    call(tool, outcome) {
      calls.inc({ tool, outcome });
      if (outcome === 'budget_exceeded') budget.inc({ tool });
    },
    outcome(upstream: string, outcome: UpstreamOutcome) {
      upstreamCalls.inc({ upstream, outcome });
      if (outcome !== 'ok') upstreamErrors.inc({ upstream, kind: outcome });
      if (outcome === 'overloaded') rejections.inc({ upstream });
    },
    circuit() {
      // Read at scrape time from the policies themselves (gatehouse_upstream_circuit_state).
    },
  };
}
