import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const entry = fileURLToPath(new URL('../../scripts/cli/index.ts', import.meta.url));

export type HubRun = { code: number | null; stdout: string; stderr: string };

/**
 * Runs the operator CLI as `npm run hub` does (same Node flags), in its own
 * process, with the given variables on top of a clean copy of this
 * process's environment (no deployment settings leak in from the shell).
 */
export function runHub(args: string[], env: Record<string, string> = {}): Promise<HubRun> {
  const base: Record<string, string | undefined> = { ...process.env };
  for (const name of Object.keys(base)) {
    if (/^(AMQP_|AUTH_|REDIS_URL|NOTIFICATIONS_|DEV_IDENTITY_DIR|HUB_|DIRECTORY_URL)|_DATABASE_URL$/.test(name)) delete base[name];
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@referral-hub/source', '--import', 'tsx', entry, ...args], {
      cwd: repoRoot,
      env: { ...base, LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Parses a run's stdout as JSON, failing with what the run printed when it is not. */
export function jsonOf<T>(run: HubRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${String(run.code)}):\n${run.stdout}\n${run.stderr}`);
  }
}
