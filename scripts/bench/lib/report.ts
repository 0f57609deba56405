/**
 * The report of one `npm run bench` run: the machine, the date, the table in
 * the issue's order, and how each benchmark ended. Pure functions.
 */
import type { Machine } from './machine.js';
import { renderMachine } from './machine.js';
import type { ReportRow } from './rows.js';
import { cell, renderTable } from './rows.js';

export type BenchOutcome = {
  name: string;
  file: string;
  /** ran: exited 0 with rows; failed: missing, crashed, timed out or printed no row. */
  status: 'ran' | 'failed';
  exitCode: number | null;
  seconds: number;
  /** Why it failed, or what was wrong with some of its lines. */
  notes: string[];
};

export type Report = {
  date: string;
  quick: boolean;
  machine: Machine;
  rows: ReportRow[];
  benches: BenchOutcome[];
};

function renderBenches(benches: readonly BenchOutcome[]): string {
  const lines = ['| bench | file | result | seconds | notes |', '|---|---|---|---|---|'];
  for (const bench of benches) {
    const result = bench.status === 'ran' ? 'ran' : `**failed**${bench.exitCode === null ? '' : ` (exit ${bench.exitCode})`}`;
    lines.push(`| ${cell(bench.name)} | \`${cell(bench.file)}\` | ${result} | ${bench.seconds.toFixed(0)} | ${cell(bench.notes.join('; ')) || ' '} |`);
  }
  return lines.join('\n');
}

/** The whole report as markdown (what `--out` writes and the console shows). */
export function renderReport(report: Report): string {
  const measured = report.rows.filter((row) => row.status === 'measured');
  const met = measured.filter((row) => row.met).length;
  return [
    `## Benchmark run of ${report.date}${report.quick ? ' (quick: BENCH_QUICK=1, shorter runs)' : ''}`,
    '',
    renderMachine(report.machine),
    '',
    renderTable(report.rows),
    '',
    `${measured.length} of ${report.rows.length} rows measured; goal met on ${met} of ${measured.length}.`,
    '',
    renderBenches(report.benches),
    '',
  ].join('\n');
}
