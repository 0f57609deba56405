/**
 * OpenTelemetry tracing of one process, exported over OTLP/HTTP. Loaded only
 * when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (see `register.ts`): otherwise
 * none of this, nor the SDK, is in memory.
 *
 * Auto-instrumentation of HTTP (in and out), fetch, Express, pg, amqplib and
 * ioredis, spans only under a parent for the database and Redis (the relay's
 * and BullMQ's polling would otherwise make a trace a second), and nothing
 * of a person's data in what leaves (span-privacy.ts).
 */
import { basename } from 'node:path';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { scrubAttributes } from './span-privacy.js';
import type { SpanAttributeMap } from './span-privacy.js';
import { installTraceHooks } from './trace-context.js';
import type { SpanOptions } from './trace-context.js';

/** Requests that are not work: probes and scrapes make no trace. */
const UNTRACED_PATHS = /^\/(livez|readyz|metrics)(?:[/?]|$)/;

export type Tracing = {
  /** Sends what is still buffered, then stops. */
  shutdown(): Promise<void>;
};

/** The service's name in traces: `OTEL_SERVICE_NAME`, else `SERVICE_NAME` (the image's), else the package folder. */
export function serviceNameOf(env: NodeJS.ProcessEnv, cwd: string): string {
  return env.OTEL_SERVICE_NAME?.trim() || env.SERVICE_NAME?.trim() || basename(cwd);
}

/** A span as exported: its attributes and its events' attributes scrubbed. */
function scrubbed(span: ReadableSpan): ReadableSpan {
  const attributes = scrubAttributes(span.attributes as SpanAttributeMap);
  const events = span.events.map((event) =>
    event.attributes === undefined ? event : { ...event, attributes: scrubAttributes(event.attributes as SpanAttributeMap) },
  );
  // The span's own methods (spanContext()) stay reachable through the prototype.
  return Object.create(span, { attributes: { value: attributes }, events: { value: events } }) as ReadableSpan;
}

/** Wraps an exporter so that nothing leaves without {@link scrubAttributes}. */
export function scrubbingExporter(inner: SpanExporter): SpanExporter {
  return {
    export: (spans: ReadableSpan[], done: (result: ExportResult) => void) => inner.export(spans.map(scrubbed), done),
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}

function parentContext(traceparent: string | undefined): Context {
  if (traceparent === undefined) return context.active();
  return propagation.extract(context.active(), { traceparent });
}

/**
 * Starts tracing for this process: the global tracer provider, context
 * manager, W3C propagator and the instrumentations, and the platform's
 * trace hooks (events and jobs carry the `traceparent`). Call before the
 * instrumented modules are loaded (the preload does).
 */
export function startTracing(env: NodeJS.ProcessEnv = process.env): Tracing {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceNameOf(env, process.cwd()) }),
    // The exporter reads OTEL_EXPORTER_OTLP_ENDPOINT (`/v1/traces` is added) and OTEL_EXPORTER_OTLP_HEADERS.
    spanProcessors: [new BatchSpanProcessor({ exporter: scrubbingExporter(new OTLPTraceExporter()), scheduledDelayMillis: 1000 })],
  });
  trace.setGlobalTracerProvider(provider);
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.test(request.url ?? ''),
      }),
      new UndiciInstrumentation(),
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
      // No parameter values in spans (enhancedDatabaseReporting off); SQL text is masked on export.
      new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false, ignoreConnectSpans: true }),
      new AmqplibInstrumentation(),
      // The command's name only: its arguments can be a session, a job's data, a phone number.
      new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
    ],
  });

  const tracer = trace.getTracer('referral-hub');
  installTraceHooks({
    currentTraceparent() {
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      return carrier.traceparent;
    },
    inSpan(name, options: SpanOptions, fn) {
      const kind = options.kind === 'consumer' ? SpanKind.CONSUMER : SpanKind.INTERNAL;
      const parent = parentContext(options.parent);
      return tracer.startActiveSpan(name, { kind, ...(options.attributes === undefined ? {} : { attributes: options.attributes }) }, parent, async (span) => {
        try {
          return await fn();
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw error;
        } finally {
          span.end();
        }
      });
    },
    withParent(traceparent, fn) {
      return context.with(parentContext(traceparent), fn);
    },
  });

  let stopped: Promise<void> | undefined;
  return {
    shutdown: () => (stopped ??= provider.shutdown()),
  };
}
