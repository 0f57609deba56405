import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Report } from '../../scripts/bench/lib/report.js';
import { repoRoot } from './support.js';

const orchestrator = fileURLToPath(new URL('../../scripts/bench/run.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hub-bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Run = { code: number | null; stdout: string; stderr: string };

/** Runs `npm run bench` as the root script does; `onStderr` sees its error output as it comes. */
function runBench(args: string[], onStderr?: (text: string) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@referral-hub/source', '--import', 'tsx', orchestrator, ...args], {
      cwd: repoRoot,
      env: { ...process.env, BENCH_QUICK: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      onStderr?.(stderr);
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A fake bench: a script in the temporary folder. */
function script(name: string, source: string): string {
  const file = join(dir, name);
  writeFileSync(file, source);
  return file;
}

const rowLine = (fields: Record<string, unknown>) => `console.log('BENCH_ROW ' + JSON.stringify(${JSON.stringify(fields)}));`;

const good = script(
  'good.ts',
  [
    "console.log('round 1: hub, bare');",
    rowLine({ id: 'idle-rss-consent', path: 'RSS of consent, idle', hub: '120 MB', bare: '', ratio: null, ratioText: '—', goal: '< 150 MB', met: true }),
    "console.log('BENCH_ROW ' + JSON.stringify({ id: 'consent-decision', path: 'consent decision', hub: 'quick=' + (process.env.BENCH_QUICK ?? ''), bare: '790 /s', ratio: 0.65, ratioText: '0.65', goal: '>= 0.6', met: true }));",
    "console.log('BENCH_ROW {not json');",
    rowLine({ id: 'recipient-read', path: 'recipient read', hub: '200 /s', bare: '360 /s', ratio: 0.55, ratioText: '0.55', goal: '>= 0.5', met: false }),
    "console.error('a warning on stderr');",
  ].join('\n'),
);
const crashing = script(
  'crashing.ts',
  [
    rowLine({ id: 'create-submit', path: 'create + submit a referral', hub: '40 /s', bare: '370 /s', ratio: 0.11, ratioText: '0.11', goal: '>= 0.5', met: false }),
    "console.error('Error: database is gone');",
    'process.exit(3);',
  ].join('\n'),
);
const silent = script('silent.ts', "console.log('measured nothing');");
const hanging = script('hanging.ts', "console.log('waiting for ever');\nsetInterval(() => {}, 1_000);");
const missing = join(dir, 'not-written-yet.ts');

describe('npm run bench', () => {
  it('runs each bench, collects its rows in the issue order, and reports the failed and missing ones, exiting 1', async () => {
    const out = join(dir, 'report.md');
    const json = join(dir, 'report.json');
    const run = await runBench([
      ...['--bench', good, '--bench', crashing, '--bench', silent, '--bench', missing, '--bench', hanging],
      ...['--quick', '--timeout', '2', '--lock', join(dir, 'one.lock'), '--out', out, '--json', json],
    ]);
    expect(run.code, run.stderr).toBe(1);
    // Progress, prefixed by the bench's name.
    expect(run.stdout).toContain('[good] round 1: hub, bare');
    expect(run.stderr).toContain('[good] a warning on stderr');
    expect(run.stdout).toContain('[hanging] waiting for ever');

    const markdown = readFileSync(out, 'utf8');
    expect(run.stdout).toContain(markdown.trim());
    expect(markdown).toMatch(/- CPU: .+, \d+ cores available/);
    expect(markdown).toContain(`Node ${process.version}`);
    const lines = markdown.split('\n');
    const header = lines.indexOf('| path | hub | bare | ratio | goal | met |');
    const table = lines.slice(header + 2, lines.indexOf('', header));
    expect(table).toEqual([
      '| create + submit a referral | 40 /s | 370 /s | 0.11 | >= 0.5 | **no** |',
      '| recipient read | 200 /s | 360 /s | 0.55 | >= 0.5 | **no** |',
      '| consent decision | quick=1 | 790 /s | 0.65 | >= 0.6 | yes |',
      '| RSS of consent, idle | 120 MB |   | — | < 150 MB | yes |',
      '| silent | **failed**: printed no BENCH_ROW line |   | — |   | — |',
      `| not-written-yet | **not run**: ${missing} does not exist |   | — |   | — |`,
      '| hanging | **failed**: timed out after 2 s |   | — |   | — |',
    ]);
    expect(markdown).toContain('| crashing |');
    expect(markdown).toContain('exited with code 3 (last error: Error: database is gone)');
    expect(markdown).toContain('ignored a line: BENCH_ROW is not JSON');
    expect(markdown).toContain('recipient-read: the bench says not met although ratio 0.55 meets >= 0.5');

    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    expect(report.rows.map((r) => [r.id, r.status])).toEqual([
      ['create-submit', 'measured'],
      ['recipient-read', 'measured'],
      ['consent-decision', 'measured'],
      ['idle-rss-consent', 'measured'],
      ['silent', 'failed'],
      ['not-written-yet', 'not run'],
      ['hanging', 'failed'],
    ]);
    expect(report.rows[2]).toMatchObject({ ratio: 0.65, met: true, goal: '>= 0.6' });
    expect(report.benches.map((b) => [b.name, b.status, b.exitCode])).toEqual([
      ['good', 'ran', 0],
      ['crashing', 'failed', 3],
      ['silent', 'failed', 0],
      ['not-written-yet', 'failed', null],
      ['hanging', 'failed', null],
    ]);
    expect(existsSync(join(dir, 'one.lock'))).toBe(false);
  });

  it('exits 0 when every bench ran, goals missed or not, and --only keeps the rows it names', async () => {
    const run = await runBench(['--bench', good, '--only', 'consent', '--lock', join(dir, 'two.lock')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('| consent decision | quick= | 790 /s | 0.65 | >= 0.6 | yes |');
    expect(run.stdout).not.toContain('| RSS of consent, idle |');
  });

  it('waits while another live run holds the lock, and takes over a lock whose owner is gone', async () => {
    const lock = join(dir, 'held.lock');
    writeFileSync(lock, `${process.pid}\n`);
    let released = false;
    const waiting = runBench(['--bench', silent, '--lock', lock], (stderr) => {
      if (!released && stderr.includes('waiting for it')) {
        released = true;
        rmSync(lock);
      }
    });
    const run = await waiting;
    expect(released).toBe(true);
    expect(run.stderr).toContain(`(process ${process.pid}); waiting for it`);
    expect(run.stdout).toContain('[silent] measured nothing');

    const gone = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['-e', '']);
      child.once('close', () => resolve(child.pid ?? 0));
    });
    writeFileSync(lock, `${gone}\n`);
    const stale = await runBench(['--bench', good, '--lock', lock]);
    expect(stale.code, stale.stderr).toBe(0);
    expect(stale.stderr).not.toContain('waiting for it');
    expect(existsSync(lock)).toBe(false);
  });

  it('on an interrupt, lets the running bench clean up, runs no other, and exits 130', async () => {
    const polite = script(
      'polite.ts',
      "process.on('SIGINT', () => { console.log('dropping my scratch database'); process.exit(130); });\nconsole.log('measuring');\nsetInterval(() => {}, 1_000);",
    );
    const lock = join(dir, 'interrupted.lock');
    let sent = false;
    const child = spawn(process.execPath, ['--conditions=@referral-hub/source', '--import', 'tsx', orchestrator, '--bench', polite, '--bench', good, '--lock', lock], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!sent && stdout.includes('[polite] measuring')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code).toBe(130);
    expect(stdout).toContain('[polite] dropping my scratch database');
    expect(stdout).not.toContain('[good]');
    expect(stdout).toContain('| polite | **failed**: interrupted |');
    expect(stdout).toContain('| good | **not run**: interrupted |');
    expect(existsSync(lock)).toBe(false);
  });

  it('answers a wrong command line with exit code 2 and its usage, running nothing', async () => {
    const [unknown, only] = await Promise.all([runBench(['--colour']), runBench(['--only', 'nothing-like-this'])]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--colour'");
    expect(unknown.stderr).toContain('Usage: npm run bench');
    expect(only.code).toBe(2);
    expect(only.stderr).toContain('--only nothing-like-this selects no bench');
    expect(only.stdout).toBe('');
  });
});
