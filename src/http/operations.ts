/**
 * The operations endpoints beside /healthz (liveness): /readyz (can this server serve calls now: 200,
 * or 503 naming each failing dependency) and /metrics (Prometheus text). Both sit behind the Host/Origin
 * guard. Metrics reveal tool names and call rates, so /metrics answers only holders of the metrics key
 * (GATEHOUSE_METRICS_TOKEN, as a bearer token) or, when no key is configured, loopback clients.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type Request } from 'express';

/** What /readyz reports (src/observability/readiness.ts builds it). */
export interface ReadinessPort {
  (): Promise<{ readonly ready: boolean; readonly failing: readonly string[]; readonly checks: Readonly<Record<string, unknown>> }>;
}

/** What /metrics serves (src/observability/metrics.ts builds it). */
export interface MetricsPort {
  readonly contentType: string;
  render(): Promise<string>;
}

export interface OperationsOptions {
  readonly readiness: ReadinessPort;
  readonly metrics: MetricsPort;
  /** The bearer key /metrics requires from everyone; absent: loopback clients only. */
  readonly metricsToken?: string;
  /** True once the server is draining (shutdown): /readyz answers 503 so load balancers move traffic away. */
  readonly draining?: () => boolean;
}

export function operationsRouter(o: OperationsOptions): Router {
  const r = Router();
  r.get('/readyz', async (_req, res, next) => {
    if (o.draining?.()) {
      res.status(503).json({ status: 'draining', failing: ['shutdown'] });
      return;
    }
    try {
      const report = await o.readiness();
      if (report.ready) res.json({ status: 'ready', checks: report.checks });
      else res.status(503).json({ status: 'not_ready', failing: report.failing, checks: report.checks });
    } catch (e) {
      next(e);
    }
  });
  r.get('/metrics', async (req, res, next) => {
    const refusal = metricsRefusal(req, o.metricsToken);
    if (refusal) {
      if (refusal.status === 401) res.set('WWW-Authenticate', 'Bearer realm="metrics"');
      res.status(refusal.status).json(refusal.body);
      return;
    }
    try {
      const body = await o.metrics.render();
      res.type(o.metrics.contentType).send(body);
    } catch (e) {
      next(e);
    }
  });
  return r;
}

function metricsRefusal(req: Request, token: string | undefined): { status: 401 | 403; body: Record<string, string> } | undefined {
  if (token !== undefined) {
    const given = /^Bearer ([\x21-\x7e]+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (given !== undefined && sameSecret(given, token)) return undefined;
    return { status: 401, body: { error: 'unauthorized', error_description: 'The metrics endpoint needs the metrics key as a bearer token.' } };
  }
  if (isLoopback(req.socket.remoteAddress)) return undefined;
  return { status: 403, body: { error: 'forbidden', error_description: 'The metrics endpoint answers loopback clients only (set a metrics key to allow others).' } };
}

function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}
