export {
  createServiceMetrics,
  registerConsumerMetrics,
  registerOutboxMetrics,
  registerPoolMetrics,
  registerScrapeGauge,
  requestMetricsMiddleware,
  routeLabel,
  UNMATCHED_ROUTE,
  type ConsumerMetricsOptions,
  type ServiceMetrics,
} from './metrics.js';
export {
  currentTraceparent,
  inSpan,
  tracingEnabled,
  validTraceparent,
  withEventTraceparent,
  withTraceparent,
  type SpanAttributes,
  type SpanOptions,
} from './trace-context.js';
export { maskSqlLiterals, scrubAttributes, withoutQuery } from './span-privacy.js';
