/**
 * The preload every service and the console start with
 * (`node --import @referral-hub/platform/register dist/start.js`). Without
 * `OTEL_EXPORTER_OTLP_ENDPOINT` it does nothing: the OpenTelemetry SDK is not
 * even loaded. With it, it registers import-in-the-middle's loader hook (so
 * that pg, amqplib and ioredis, imported from ES modules, can be patched) and
 * starts tracing, before the application's first module is loaded.
 */
import { register } from 'node:module';

if ((process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '').trim() !== '') {
  // Only the instrumented packages go through the hook: every other module loads as usual.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, {
    data: { include: ['pg', 'pg-pool', 'amqplib', 'ioredis', 'express', 'router', 'http', 'https', 'node:http', 'node:https'] },
  });
  const { startTracing } = await import('./tracing.js');
  startTracing();
}

export {};
