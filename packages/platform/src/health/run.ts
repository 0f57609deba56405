import type { HealthCheck } from './types.js';

export type CheckStatus = 'ok' | 'failed';

export type CheckResult = {
  status: CheckStatus;
  /** Why it failed, safe to publish: a timeout or an error code, never an error message. */
  detail?: string;
  durationMs: number;
};

export type HealthReport = {
  status: 'ok' | 'unavailable';
  checks: Record<string, CheckResult>;
};

/** A check that failed, with the error, for the caller to log. */
export type HealthFailure = { name: string; error: unknown };

export const DEFAULT_HEALTH_TIMEOUT_MS = 2000;

class HealthCheckTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
    this.name = 'HealthCheckTimeout';
  }
}

/**
 * Error messages of drivers can carry connection strings, hosts and user
 * names; only a plain error code (ECONNREFUSED, 57P01) is published.
 */
function safeDetail(error: unknown): string {
  if (error instanceof HealthCheckTimeout) return error.message;
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = error.code;
    if (typeof code === 'string' && /^[A-Z0-9_]{2,40}$/i.test(code)) return `failed (${code})`;
  }
  return 'failed';
}

async function runOne(check: HealthCheck, timeoutMs: number): Promise<{ result: CheckResult; error?: unknown }> {
  const controller = new AbortController();
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new HealthCheckTimeout(timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    // The check is called inside the race so a synchronous throw counts as a failure too.
    await Promise.race([Promise.resolve().then(() => check.check(controller.signal)), timeout]);
    return { result: { status: 'ok', durationMs: Math.round(performance.now() - started) } };
  } catch (error) {
    return {
      result: { status: 'failed', detail: safeDetail(error), durationMs: Math.round(performance.now() - started) },
      error,
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs every check in parallel, each bounded by `timeoutMs` (its signal is
 * aborted on timeout). The report is `ok` only when all checks pass.
 * `onFailure` receives the real errors so they can be logged, not published.
 */
export async function runHealthChecks(
  checks: readonly HealthCheck[],
  timeoutMs: number = DEFAULT_HEALTH_TIMEOUT_MS,
  onFailure?: (failure: HealthFailure) => void,
): Promise<HealthReport> {
  const outcomes = await Promise.all(checks.map((check) => runOne(check, timeoutMs)));
  const report: HealthReport = { status: 'ok', checks: {} };
  outcomes.forEach((outcome, index) => {
    const name = checks[index]?.name ?? `check${index}`;
    report.checks[name] = outcome.result;
    if (outcome.result.status === 'failed') {
      report.status = 'unavailable';
      onFailure?.({ name, error: outcome.error });
    }
  });
  return report;
}
