/**
 * The few tracing operations the platform's own code calls (the outbox, the
 * relay, the consumer, the delivery worker), without loading OpenTelemetry:
 * when tracing is not configured they do nothing and cost nothing. The
 * tracing module (`tracing.ts`, loaded only when `OTEL_EXPORTER_OTLP_ENDPOINT`
 * is set) installs the real ones at start.
 *
 * Kept on `globalThis` so that the preloaded tracing module and the service's
 * own copy of this module agree even if they were loaded twice (source and
 * compiled JavaScript, or two paths to the package).
 */

/** Attributes a span may carry: ids, codes and names of things, never a person's data. */
export type SpanAttributes = Record<string, string | number | boolean>;

export type SpanOptions = {
  /** W3C `traceparent` of the span's parent (an event's, a job's); the active span when absent. */
  parent?: string | undefined;
  /** `consumer` for a message or job taken from a queue, `internal` otherwise. */
  kind?: 'consumer' | 'internal';
  attributes?: SpanAttributes;
};

export type TraceHooks = {
  /** The active span's context as a W3C `traceparent`, if a span is active and sampled. */
  currentTraceparent(): string | undefined;
  /** Runs `fn` inside a new span (ended when `fn` settles; a failure marks it as an error). */
  inSpan<T>(name: string, options: SpanOptions, fn: () => Promise<T>): Promise<T>;
  /** Runs `fn` with `traceparent` as the active context (no span of its own). */
  withParent<T>(traceparent: string | undefined, fn: () => T): T;
};

const KEY = Symbol.for('referral-hub.trace-hooks');
type Holder = { [KEY]?: TraceHooks };

const NONE: TraceHooks = {
  currentTraceparent: () => undefined,
  inSpan: (_name, _options, fn) => fn(),
  withParent: (_traceparent, fn) => fn(),
};

function hooks(): TraceHooks {
  return (globalThis as Holder)[KEY] ?? NONE;
}

/** Called once by the tracing module when it has started. */
export function installTraceHooks(installed: TraceHooks): void {
  (globalThis as Holder)[KEY] = installed;
}

/** Whether spans are recorded in this process (tracing configured and started). */
export function tracingEnabled(): boolean {
  return (globalThis as Holder)[KEY] !== undefined;
}

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** `value` if it is a well-formed W3C `traceparent`, else undefined (a header can hold anything). */
export function validTraceparent(value: unknown): string | undefined {
  return typeof value === 'string' && TRACEPARENT.test(value) ? value : undefined;
}

/** The active span as a `traceparent`, or undefined (tracing off, no span). */
export function currentTraceparent(): string | undefined {
  return hooks().currentTraceparent();
}

/** Runs `fn` in a span named `name`; just runs it when tracing is off. */
export function inSpan<T>(name: string, options: SpanOptions, fn: () => Promise<T>): Promise<T> {
  return hooks().inSpan(name, { ...options, parent: validTraceparent(options.parent) }, fn);
}

/** Runs `fn` as part of the trace `traceparent` names (e.g. publishing an event its request caused). */
export function withTraceparent<T>(traceparent: string | undefined, fn: () => T): T {
  const parent = validTraceparent(traceparent);
  return parent === undefined ? fn() : hooks().withParent(parent, fn);
}

/**
 * `carrier` (an event, a job's data) with the active span's `traceparent`
 * when it has none: the outbox calls this as an event is written, in the
 * request or handler that caused it, so that the relay publishes in that
 * trace and the consumer continues it; the delivery queue does the same for
 * its jobs.
 */
export function carryTraceparent<E extends object>(carrier: E): E {
  if (traceparentOf(carrier) !== undefined) return carrier;
  const traceparent = currentTraceparent();
  return traceparent === undefined ? carrier : { ...carrier, traceparent };
}

/** The `traceparent` an event or a job's data carries, if it is a well-formed one. */
export function traceparentOf(carrier: object): string | undefined {
  return 'traceparent' in carrier ? validTraceparent(carrier.traceparent) : undefined;
}
