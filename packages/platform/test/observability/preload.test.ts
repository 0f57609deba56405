import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('../..', import.meta.url));

/** What the preload leaves in a process started as npm start does (from the sources here), with `env`. */
async function afterPreload(env: Record<string, string>): Promise<{ hooks: boolean; traceparent: string }> {
  const script = `
    const hooks = globalThis[Symbol.for('referral-hub.trace-hooks')];
    let traceparent = '';
    if (hooks) await hooks.inSpan('probe', {}, async () => { traceparent = hooks.currentTraceparent() ?? ''; });
    process.stdout.write(JSON.stringify({ hooks: hooks !== undefined, traceparent }));
    process.exit(0);`;
  const { stdout } = await run(
    process.execPath,
    ['--conditions=@referral-hub/source', '--import', 'tsx', '--import', '@referral-hub/platform/register', '--input-type=module', '-e', script],
    { cwd: packageDir, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
  );
  return JSON.parse(stdout) as { hooks: boolean; traceparent: string };
}

describe('the tracing preload', () => {
  it('starts nothing without OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
    expect(await afterPreload({})).toEqual({ hooks: false, traceparent: '' });
  });

  it('starts tracing when the endpoint is set: spans have a W3C traceparent', async () => {
    const result = await afterPreload({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    expect(result.hooks).toBe(true);
    expect(result.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });
});
