export {
  createServiceMetrics,
  registerConsumerMetrics,
  registerOutboxMetrics,
  registerPoolMetrics,
  registerCounter,
  registerHistogram,
  registerScrapeGauge,
  requestMetricsMiddleware,
  routeLabel,
  UNMATCHED_ROUTE,
  type ConsumerMetricsOptions,
  type LabelledCounter,
  type LabelledHistogram,
  type ServiceMetrics,
} from './metrics.js';
export {
  carryTraceparent,
  currentTraceparent,
  inSpan,
  traceparentOf,
  tracingEnabled,
  validTraceparent,
  withTraceparent,
  type SpanAttributes,
  type SpanOptions,
} from './trace-context.js';
export { maskSqlLiterals, scrubAttributes, withoutQuery } from './span-privacy.js';
export { startMetricsServer } from './metrics-server.js';
