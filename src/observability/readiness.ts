/**
 * Readiness: whether this server can serve tool calls now. Each dependency has a probe (the store, the
 * signing keys, FGA, the authorization server behind the vault and approvals); probes run concurrently,
 * each under its own short deadline, and the report is kept for a moment so that /readyz cannot be used
 * to hammer the upstreams (concurrent requests share one run). Reasons are fixed words, never error text.
 */

export type ProbeFailure = 'timeout' | 'unavailable';

export interface Probe {
  readonly name: string;
  /** Resolves when the dependency answers; `signal` aborts at the probe's deadline. */
  check(signal: AbortSignal, deadlineMs: number): Promise<unknown>;
}

export type ProbeResult = { readonly status: 'ok' } | { readonly status: 'failing'; readonly reason: ProbeFailure };

export interface ReadinessReport {
  readonly ready: boolean;
  /** Names of the failing dependencies, in probe order. */
  readonly failing: readonly string[];
  readonly checks: Readonly<Record<string, ProbeResult>>;
}

export interface ReadinessOptions {
  /** Deadline of each probe (default 1000 ms). */
  readonly deadlineMs?: number;
  /** How long a report is served before the probes run again (default 1000 ms). */
  readonly cacheMs?: number;
  readonly now?: () => number;
}

export type Readiness = () => Promise<ReadinessReport>;

export function createReadiness(probes: readonly Probe[], opts: ReadinessOptions = {}): Readiness {
  const deadlineMs = opts.deadlineMs ?? 1000;
  const cacheMs = opts.cacheMs ?? 1000;
  const now = opts.now ?? Date.now;
  let last: { report: ReadinessReport; at: number } | undefined;
  let running: Promise<ReadinessReport> | undefined;

  const runAll = async (): Promise<ReadinessReport> => {
    const results = await Promise.all(probes.map((p) => runProbe(p, deadlineMs)));
    const checks: Record<string, ProbeResult> = {};
    probes.forEach((p, i) => (checks[p.name] = results[i]!));
    const failing = probes.filter((p) => checks[p.name]!.status !== 'ok').map((p) => p.name);
    return { ready: failing.length === 0, failing, checks };
  };

  return () => {
    if (last && now() - last.at < cacheMs) return Promise.resolve(last.report);
    running ??= runAll()
      .then((report) => {
        last = { report, at: now() };
        return report;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
}

async function runProbe(p: Probe, deadlineMs: number): Promise<ProbeResult> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<ProbeResult>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({ status: 'failing', reason: 'timeout' });
    }, deadlineMs);
  });
  const answer = Promise.resolve()
    .then(() => p.check(controller.signal, deadlineMs))
    .then(
      (): ProbeResult => ({ status: 'ok' }),
      (): ProbeResult => ({ status: 'failing', reason: controller.signal.aborted ? 'timeout' : 'unavailable' }),
    );
  try {
    return await Promise.race([answer, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
