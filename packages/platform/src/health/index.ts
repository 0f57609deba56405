export type { HealthCheck } from './types.js';
export { DEFAULT_HEALTH_TIMEOUT_MS, runHealthChecks } from './run.js';
export type { CheckResult, CheckStatus, HealthFailure, HealthReport } from './run.js';
