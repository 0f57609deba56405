import { describe, expect, it } from 'vitest';
import { runHealthChecks } from '../../src/health/index.js';

describe('runHealthChecks', () => {
  it('is ok only when every check passes', async () => {
    const report = await runHealthChecks([
      { name: 'a', check: async () => undefined },
      { name: 'b', check: async () => undefined },
    ]);
    expect(report.status).toBe('ok');
    expect(Object.keys(report.checks)).toEqual(['a', 'b']);
  });

  it('fails a check that hangs, aborting its signal at the timeout', async () => {
    let aborted = false;
    const started = Date.now();
    const report = await runHealthChecks(
      [
        {
          name: 'slow',
          check: (signal) =>
            new Promise<void>(() => {
              signal.addEventListener('abort', () => {
                aborted = true;
              });
            }),
        },
        { name: 'fast', check: async () => undefined },
      ],
      100,
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(aborted).toBe(true);
    expect(report.status).toBe('unavailable');
    expect(report.checks.slow).toMatchObject({ status: 'failed', detail: 'timed out after 100 ms' });
    expect(report.checks.fast?.status).toBe('ok');
  });

  it('publishes an error code but never the error message, and hands the error to the caller', async () => {
    const failures: unknown[] = [];
    const report = await runHealthChecks(
      [
        { name: 'db', check: () => Promise.reject(new Error('password authentication failed for postgres://u:pw@h/db')) },
        { name: 'sync', check: () => { throw Object.assign(new Error('boom'), { code: '57P01' }); } },
      ],
      500,
      ({ error }) => failures.push(error),
    );
    expect(report.checks.db).toMatchObject({ status: 'failed', detail: 'failed' });
    expect(report.checks.sync).toMatchObject({ status: 'failed', detail: 'failed (57P01)' });
    expect(JSON.stringify(report)).not.toContain('pw@');
    expect(failures).toHaveLength(2);
  });
});
