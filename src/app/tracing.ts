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
 * `@opentelemetry/api`, a no-op until this runs. Answers `undefined` when tracing is off, or when the
 * process already has a tracer provider (whose SDK then records Gatehouse's spans).
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
  // A host process (Gatehouse used as a library) may have registered its own SDK: then Gatehouse's
  // spans go to it, and Gatehouse neither replaces nor (at shutdown) unregisters it.
  if (!trace.setGlobalTracerProvider(provider)) {
    await provider.shutdown();
    return undefined;
  }
  // The tracer provider is set; this adds the AsyncLocalStorage context manager and the W3C propagator.
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
