/**
 * Wires the operations endpoints from resolved backends: the metrics (fed by the gate chain's observer
 * and the upstream policies' events) and the readiness probes of each dependency.
 */
import type { OperationsOptions } from '../http/operations.js';
import type { TokenVerifier } from '../identity/verify-bearer.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { createReadiness, type Probe } from '../observability/readiness.js';
import type { Backends } from './resolve-backends.js';

/** Each readiness probe's deadline, and how long a report is reused. */
export const PROBE_DEADLINE_MS = 1000;
export const READINESS_CACHE_MS = 1000;

export interface Operations {
  readonly metrics: Metrics;
  readonly http: OperationsOptions;
}

export function createOperations(b: Backends, verifier: TokenVerifier): Operations {
  const approvalsConfigured = b.serverClient !== undefined;
  const metrics = createMetrics({
    circuits: () => b.upstreams.all().map((u) => ({ name: u.name, state: u.circuitState() })),
    approvalsPending: approvalsConfigured ? () => b.stores.approvals.countOpen() : undefined,
  });
  b.upstreamEvents.add(metrics);
  b.upstreamEvents.add({
    outcome() {},
    circuit(upstream, state) {
      if (state === 'open') b.logger.warn({ upstream }, 'circuit opened: calls to this upstream are refused for now');
      else b.logger.info({ upstream, state }, 'circuit state changed');
    },
  });

  const probes: Probe[] = [
    { name: 'store', check: (signal) => b.stores.ping(signal) },
    { name: 'keys', check: () => verifier.signingKeys() },
  ];
  const { probe } = b.authorizer;
  if (probe) probes.push({ name: 'fga', check: (signal) => probe.call(b.authorizer, signal) });
  if (b.serverClient || b.customApiClient) {
    // The authorization server behind the Token Vault and the approvals: its discovery document answers.
    const discovery = new URL('.well-known/openid-configuration', b.issuer.endsWith('/') ? b.issuer : `${b.issuer}/`);
    probes.push({
      name: 'vault',
      check: async (signal) => {
        const res = await fetch(discovery, { headers: { accept: 'application/json' }, signal });
        await res.body?.cancel();
        if (!res.ok) throw new Error(`discovery answered ${res.status}`);
      },
    });
  }
  const readiness = createReadiness(probes, { deadlineMs: PROBE_DEADLINE_MS, cacheMs: READINESS_CACHE_MS });
  return { metrics, http: { readiness, metrics, metricsToken: b.config.metrics.token } };
}
