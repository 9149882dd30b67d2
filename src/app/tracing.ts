import { context, propagation, trace } from '@opentelemetry/api';
import type { TracingSettings } from '../config.js';

/** The registered tracing SDK: `shutdown` flushes the spans still buffered and unregisters it. */
export interface Tracing {
  shutdown(): Promise<void>;
}

/**
 * Registers the OpenTelemetry trace SDK for the process when OTEL_* configuration enables tracing:
 * a Node tracer provider (AsyncLocalStorage context, W3C trace-context propagator, parent-based
 * sampling) exporting in batches over OTLP/HTTP (JSON) to the configured URL. The SDK modules are
 * imported here, lazily: a start without tracing loads none of them. The core only calls
 * `@opentelemetry/api`, a no-op until this runs.
 */
export async function startTracing(settings: TracingSettings | undefined, version: string): Promise<Tracing | undefined> {
  if (!settings) return undefined;
  const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const exporter = new OTLPTraceExporter({ url: settings.url, headers: { ...settings.headers } });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName, 'service.version': version }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  provider.register();
  let stopped: Promise<void> | undefined;
  return {
    shutdown: () =>
      (stopped ??= (async () => {
        try {
          await provider.shutdown();
        } finally {
          // Unregister, so the process (or a later start in it) is back to the API's no-op.
          trace.disable();
          context.disable();
          propagation.disable();
        }
      })()),
  };
}
