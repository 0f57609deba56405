/**
 * `npm run bench`: runs every benchmark of issue 16, one after another, each
 * in its own process (so each has the machine to itself), from the repository
 * root with the workspace's source conditions; streams their output, prefixed;
 * collects their `BENCH_ROW {json}` lines; prints the machine, the date and
 * the table `| path | hub | bare | ratio | goal | met |` in the issue's order.
 *
 * A benchmark that is missing, fails, times out or prints no row is a row
 * "not run" / "failed" with the reason, and the run goes on; the exit code is
 * then 1. A goal missed is not a failure: the table says so.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import type { Bench } from './lib/benches.js';
import { BENCHES, missingExpectations, selectBenches } from './lib/benches.js';
import { acquireLock } from './lib/lock.js';
import { describeMachine, renderMachine } from './lib/machine.js';
import type { BenchOutcome, Report } from './lib/report.js';
import { renderReport } from './lib/report.js';
import type { BenchRow, ReportRow } from './lib/rows.js';
import { goalHolds, parseBenchLine, placeholderRow, selectedBy, sortRows } from './lib/rows.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

const USAGE = `Usage: npm run bench -- [options]

Runs the benchmarks one after another and prints the table of issue 16 with
each row's hub figure, bare baseline, ratio, goal and whether it is met.

Options:
  --only <prefix,...>  run only the benches with rows whose id starts with a prefix
                       (ids: create-submit, recipient-read, consent-decision,
                       submit-email-50, submit-email-10, search-growth-<kind>,
                       idle-rss-<service>), and show only those rows
  --quick              pass BENCH_QUICK=1 to the benches (shorter runs, rougher figures)
  --out <file>         also write the report (machine, date, table) as markdown
  --json <file>        also write the report's rows as JSON
  --bench <file>       run this script instead of the usual benches (repeatable)
  --timeout <seconds>  stop a bench that runs longer (default 600; 0: never)
  --lock <file>        the lock file that keeps two runs apart (default .hub/bench.lock)
  -h, --help           this text

Exit codes: 0 every bench ran (goals met or not); 1 a bench was missing,
failed, timed out or printed no BENCH_ROW line; 2 wrong command line;
130 interrupted.`;

type Options = {
  only: string[];
  quick: boolean;
  out: string | undefined;
  json: string | undefined;
  benches: Bench[];
  timeoutSeconds: number;
  lockFile: string;
};

class UsageError extends Error {}

/** Paths given on the command line are relative to where `npm run` was typed. */
function fromCaller(path: string): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), path);
}

/** A path as people read it: from the repository root when inside it, else as it is. */
function display(path: string): string {
  if (!isAbsolute(path)) return path;
  const inRepo = relative(repoRoot, path);
  return inRepo.startsWith('..') || isAbsolute(inRepo) ? path : inRepo;
}

function parseOptions(argv: string[]): Options | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        only: { type: 'string' },
        quick: { type: 'boolean', default: false },
        out: { type: 'string' },
        json: { type: 'string' },
        bench: { type: 'string', multiple: true },
        timeout: { type: 'string' },
        lock: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help === true) return 'help';
  const only = (values.only ?? '')
    .split(',')
    .map((prefix) => prefix.trim())
    .filter((prefix) => prefix !== '');
  if (values.only !== undefined && only.length === 0) throw new UsageError('--only needs at least one id prefix');
  const timeoutSeconds = values.timeout === undefined ? 600 : Number(values.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 0) throw new UsageError(`--timeout ${values.timeout}: not a number of seconds`);
  const custom = (values.bench ?? []).map((file): Bench => ({ name: basename(file, extname(file)), file: fromCaller(file), expects: [] }));
  const benches = custom.length > 0 ? custom : selectBenches(BENCHES, only);
  if (benches.length === 0) throw new UsageError(`--only ${only.join(',')} selects no bench`);
  return {
    only,
    quick: values.quick === true,
    out: values.out === undefined ? undefined : fromCaller(values.out),
    json: values.json === undefined ? undefined : fromCaller(values.json),
    benches,
    timeoutSeconds,
    lockFile: values.lock === undefined ? resolve(repoRoot, '.hub/bench.lock') : fromCaller(values.lock),
  };
}

type ChildResult = {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  spawnError: string | undefined;
  rows: BenchRow[];
  invalid: string[];
  lastError: string | undefined;
};

/** The bench process running now, so that an interrupt reaches it (and its children) too. */
let running: { pid: number } | undefined;
let interrupted = false;

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal); // its process group: the bench and whatever it started
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

function runChild(bench: Bench, options: Options): Promise<ChildResult> {
  const file = isAbsolute(bench.file) ? bench.file : resolve(repoRoot, bench.file);
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (options.quick) env.BENCH_QUICK = '1';
  const result: ChildResult = { exitCode: null, signal: null, timedOut: false, spawnError: undefined, rows: [], invalid: [], lastError: undefined };
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--conditions=@referral-hub/source', '--import', 'tsx', file], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: stopped as a whole on timeout or interrupt
    });
    if (child.pid !== undefined) running = { pid: child.pid };
    let killer: NodeJS.Timeout | undefined;
    const timer =
      options.timeoutSeconds > 0
        ? setTimeout(() => {
            if (child.pid === undefined) return;
            result.timedOut = true;
            console.error(`[${bench.name}] timed out after ${options.timeoutSeconds} s: interrupting it`);
            signalGroup(child.pid, 'SIGINT');
            const pid = child.pid;
            killer = setTimeout(() => signalGroup(pid, 'SIGKILL'), 20_000);
          }, options.timeoutSeconds * 1_000)
        : undefined;
    const closed = [
      new Promise<void>((r) =>
        createInterface({ input: child.stdout, crlfDelay: Infinity })
          .on('line', (line) => {
            process.stdout.write(`[${bench.name}] ${line}\n`);
            const parsed = parseBenchLine(line);
            if (parsed.kind === 'row') result.rows.push(parsed.row);
            else if (parsed.kind === 'invalid') result.invalid.push(parsed.error);
          })
          .once('close', r),
      ),
      new Promise<void>((r) =>
        createInterface({ input: child.stderr, crlfDelay: Infinity })
          .on('line', (line) => {
            process.stderr.write(`[${bench.name}] ${line}\n`);
            if (line.trim() !== '') result.lastError = line.trim();
          })
          .once('close', r),
      ),
    ];
    child.once('error', (error) => {
      result.spawnError = error.message;
    });
    child.once('close', (code, signal) => {
      void Promise.all(closed).then(() => {
        clearTimeout(timer);
        clearTimeout(killer);
        running = undefined;
        result.exitCode = code;
        result.signal = signal;
        done(result);
      });
    });
  });
}

function shorten(text: string, length = 160): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

/** Runs one bench and turns what it did into table rows and an outcome. */
async function runBench(bench: Bench, options: Options, position: string): Promise<{ rows: ReportRow[]; outcome: BenchOutcome }> {
  const shown = display(bench.file);
  const outcome: BenchOutcome = { name: bench.name, file: shown, status: 'ran', exitCode: null, seconds: 0, notes: [] };
  const path = isAbsolute(bench.file) ? bench.file : resolve(repoRoot, bench.file);
  const fill = (status: 'not run' | 'failed' | 'not reported', reason: string, printed: readonly string[]) =>
    missingExpectations(bench, printed, options.only).map((id) => placeholderRow(id, status, reason));

  console.log(`\n=== ${position} ${bench.name}: ${shown} ===`);
  if (!existsSync(path)) {
    const reason = `${shown} does not exist`;
    console.log(`[${bench.name}] not run: ${reason}`);
    outcome.status = 'failed';
    outcome.notes.push(`not run: ${reason}`);
    const rows = fill('not run', reason, []);
    return { rows: rows.length > 0 ? rows : [placeholderRow(bench.name, 'not run', reason)], outcome };
  }

  const started = performance.now();
  const child = await runChild(bench, options);
  outcome.seconds = (performance.now() - started) / 1_000;
  outcome.exitCode = child.exitCode;

  // The last row of an id wins (a bench may print a provisional row first).
  const byId = new Map<string, BenchRow>();
  for (const row of child.rows) {
    if (byId.has(row.id)) outcome.notes.push(`${row.id} printed more than once: the last one is kept`);
    byId.set(row.id, row);
  }
  const printed = [...byId.keys()];
  const rows: ReportRow[] = [...byId.values()].filter((row) => selectedBy(options.only, row.id)).map((row) => ({ ...row, status: 'measured', reason: '' }));
  for (const error of child.invalid) outcome.notes.push(`ignored a line: ${error}`);
  for (const row of rows) {
    const holds = goalHolds(row.goal, row.ratio);
    if (holds !== undefined && holds !== row.met) {
      outcome.notes.push(`${row.id}: the bench says ${row.met ? 'met' : 'not met'} although ratio ${row.ratioText} ${holds ? 'meets' : 'misses'} ${row.goal} (see its output)`);
    }
  }

  let failure: string | undefined;
  if (child.spawnError !== undefined) failure = `could not be started: ${child.spawnError}`;
  else if (child.timedOut) failure = `timed out after ${options.timeoutSeconds} s`;
  else if (interrupted) failure = 'interrupted';
  else if (child.signal !== null) failure = `stopped by ${child.signal}`;
  else if (child.exitCode !== 0) failure = `exited with code ${String(child.exitCode)}`;
  else if (child.rows.length === 0) failure = child.invalid.length > 0 ? 'printed no valid BENCH_ROW line' : 'printed no BENCH_ROW line';
  if (failure !== undefined && child.lastError !== undefined && child.exitCode !== 0) failure += ` (last error: ${shorten(child.lastError)})`;

  const rowCount = `${byId.size} row${byId.size === 1 ? '' : 's'}`;
  console.log(`[${bench.name}] ${failure === undefined ? 'done' : `failed: ${failure}`}, ${rowCount}, ${outcome.seconds.toFixed(0)} s`);
  if (failure !== undefined) {
    outcome.status = 'failed';
    outcome.notes.unshift(failure);
    const missing = fill('failed', failure, printed);
    if (rows.length === 0 && missing.length === 0) missing.push(placeholderRow(bench.name, 'failed', failure));
    return { rows: [...rows, ...missing], outcome };
  }
  const missing = fill('not reported', `${shown} printed no such row`, printed);
  if (missing.length > 0) outcome.notes.push(`rows not reported: ${missing.map((row) => row.id).join(', ')}`);
  return { rows: [...rows, ...missing], outcome };
}

function writeFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

async function main(argv: string[]): Promise<number> {
  let options: Options | 'help';
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`bench: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }

  const lock = await acquireLock(options.lockFile, {
    onWait: (pid) =>
      console.error(`bench: another benchmark run holds ${display(options.lockFile)} (process ${pid ?? 'unknown'}); waiting for it`),
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`bench: ${signal}: stopping the bench that runs now (it cleans up), then the run`);
    if (running !== undefined) signalGroup(running.pid, 'SIGINT');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const date = new Date().toISOString();
    const machine = await describeMachine(process.env);
    console.log(`Benchmark run of ${date}${options.quick ? ' (quick)' : ''}\n${renderMachine(machine)}`);

    const rows: ReportRow[] = [];
    const benches: BenchOutcome[] = [];
    for (const [index, bench] of options.benches.entries()) {
      if (interrupted) {
        benches.push({ name: bench.name, file: display(bench.file), status: 'failed', exitCode: null, seconds: 0, notes: ['not run: interrupted'] });
        const skipped = missingExpectations(bench, [], options.only).map((id) => placeholderRow(id, 'not run', 'interrupted'));
        rows.push(...(skipped.length > 0 ? skipped : [placeholderRow(bench.name, 'not run', 'interrupted')]));
        continue;
      }
      const result = await runBench(bench, options, `[${index + 1}/${options.benches.length}]`);
      rows.push(...result.rows);
      benches.push(result.outcome);
    }

    const report: Report = { date, quick: options.quick, machine, rows: sortRows(rows), benches };
    const markdown = renderReport(report);
    console.log(`\n${markdown}`);
    if (options.out !== undefined) writeFile(options.out, markdown);
    if (options.json !== undefined) writeFile(options.json, `${JSON.stringify(report, null, 2)}\n`);
    if (interrupted) return 130;
    return benches.some((bench) => bench.status === 'failed') ? 1 : 0;
  } finally {
    lock.release();
  }
}

process.exitCode = await main(process.argv.slice(2));
