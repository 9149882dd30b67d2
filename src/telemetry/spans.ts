import { context, isSpanContextValid, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { GatehouseError } from '../errors.js';

/**
 * Spans through the OpenTelemetry API only. Without a registered SDK (no OTEL_* configuration) every
 * call here is the API's no-op: no span is recorded, no trace context is taken from a request, and
 * `traceIdOf` answers `undefined`. The composition root registers the SDK when tracing is configured.
 *
 * Attributes name what happened (tool, gate, decision, upstream, outcome), never what was asked: no
 * arguments, tokens or identifiers of the caller.
 */
const tracer = () => trace.getTracer('gatehouse');

/** Where a request carries its W3C trace context (`traceparent`, `tracestate`): its headers or MCP `_meta`. */
export type TraceCarrier = { readonly [field: string]: unknown };

/**
 * Runs `fn` with the trace context of `carrier` as its parent (when it holds a string `traceparent`
 * the propagator accepts; otherwise in the current context). Only the two W3C fields are read.
 */
export function withTraceParent<T>(carrier: TraceCarrier | undefined, fn: () => T): T {
  const traceparent = first(carrier?.['traceparent']);
  if (traceparent === undefined) return fn();
  const tracestate = first(carrier?.['tracestate']);
  const fields: Record<string, string> = tracestate === undefined ? { traceparent } : { traceparent, tracestate };
  return context.with(propagation.extract(context.active(), fields), fn);
}

function first(v: unknown): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && s.length > 0 && s.length <= 512 ? s : undefined;
}

/**
 * Runs `fn` inside a new span (a child of the current one), made current for `fn`, ended when `fn`
 * settles; a throw marks it as an error (its stable code or class name, never the message) and is rethrown.
 */
export async function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>, kind: SpanKind = SpanKind.INTERNAL): Promise<T> {
  return tracer().startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (e) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.setAttribute('error.type', e instanceof GatehouseError ? e.code : e instanceof Error ? e.constructor.name : typeof e);
      throw e;
    } finally {
      span.end();
    }
  });
}

/** Marks a span as failed with a stable code (`error.type`), without any message. */
export function failSpan(span: Span, code: string): void {
  span.setStatus({ code: SpanStatusCode.ERROR });
  span.setAttribute('error.type', code);
}

/** The trace id of a span when it belongs to a trace (sampled or not); `undefined` without tracing. */
export function traceIdOf(span: Span): string | undefined {
  const sc = span.spanContext();
  return isSpanContextValid(sc) ? sc.traceId : undefined;
}

export { SpanKind };
