/**
 * The rows of `npm run bench`: what a benchmark prints (one `BENCH_ROW {json}`
 * line per row of issue 16's table it measures), how the orchestrator reads
 * those lines, and the order and text of the table it prints. Pure functions.
 */

/** One measured row, exactly as a benchmark prints it after `BENCH_ROW `. */
export type BenchRow = {
  /** `create-submit`, `recipient-read`, `consent-decision`, `submit-email-50`, `search-growth-<kind>`, `idle-rss-<service>`… */
  id: string;
  /** The row's text, as in the issue's table. */
  path: string;
  /** The hub's figure, e.g. `190 /s (p50 98 ms)`. */
  hub: string;
  /** The bare baseline's figure, e.g. `370 /s` (empty when the row has none, e.g. memory). */
  bare: string;
  /** hub / bare (or whatever the goal compares), null when there is none. */
  ratio: number | null;
  /** How to print the ratio: `0.51`, `x1.4`, `8.2x`. */
  ratioText: string;
  /** The goal, e.g. `>= 0.5`. */
  goal: string;
  /** Whether the goal is met, as the benchmark judged it. */
  met: boolean;
};

/** A row of the final table: measured, or standing for a row no benchmark delivered. */
export type ReportRow = BenchRow & {
  status: 'measured' | 'not run' | 'failed' | 'not reported';
  /** Why a row is not measured (empty when it is). */
  reason: string;
};

export type ParsedLine = { kind: 'row'; row: BenchRow } | { kind: 'invalid'; error: string } | { kind: 'other' };

const MARKER = /^BENCH_ROW(?:\s+(.*))?$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The text a ratio prints as when the benchmark gave no `ratioText`. */
export function defaultRatioText(ratio: number | null): string {
  return ratio === null ? '—' : ratio.toFixed(2);
}

/**
 * Reads one line of a benchmark's stdout: a `BENCH_ROW {json}` line becomes a
 * row, a `BENCH_ROW` line that is not a valid row says why, anything else is
 * progress output. The marker must start the line (leading blanks aside).
 */
export function parseBenchLine(line: string): ParsedLine {
  const match = MARKER.exec(line.trim());
  if (match === null) return { kind: 'other' };
  const json = match[1]?.trim() ?? '';
  if (json === '') return { kind: 'invalid', error: 'BENCH_ROW without JSON' };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    return { kind: 'invalid', error: `BENCH_ROW is not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (!isRecord(value)) return { kind: 'invalid', error: 'BENCH_ROW is not a JSON object' };
  const problems: string[] = [];
  const text = (name: string, optional = false): string => {
    const field = value[name];
    if (typeof field === 'string') return field;
    if (!(optional && field === undefined)) problems.push(`"${name}" must be a string`);
    return '';
  };
  const id = text('id');
  if (id !== '' && !/^[a-z0-9][a-z0-9-]*$/.test(id)) problems.push('"id" must be lower-case words joined by hyphens');
  if (id === '' && typeof value.id === 'string') problems.push('"id" is empty');
  const path = text('path');
  const hub = text('hub');
  const bare = text('bare');
  const goal = text('goal');
  const ratioText = text('ratioText', true);
  const rawRatio = value.ratio;
  let ratio: number | null = null;
  if (typeof rawRatio === 'number' && Number.isFinite(rawRatio)) ratio = rawRatio;
  else if (rawRatio !== null) problems.push('"ratio" must be a finite number or null');
  const met = value.met;
  if (typeof met !== 'boolean') problems.push('"met" must be true or false');
  if (problems.length > 0) return { kind: 'invalid', error: `BENCH_ROW ${problems.join('; ')}` };
  return {
    kind: 'row',
    row: { id, path, hub, bare, ratio, ratioText: ratioText === '' ? defaultRatioText(ratio) : ratioText, goal, met: met === true },
  };
}

/**
 * Whether a ratio meets a goal written as the issue writes them (`>= 0.5`,
 * `<= 10x`, `<= x2`); undefined when the goal is not a bound on the ratio
 * (`< 150 MB`) or there is no ratio. Lets the orchestrator point out a row
 * whose `met` disagrees with its own ratio (a bench may judge on more, e.g. errors).
 */
export function goalHolds(goal: string, ratio: number | null): boolean | undefined {
  const match = /^(>=|<=|>|<)\s*x?\s*(\d+(?:\.\d+)?)\s*x?$/i.exec(goal.trim());
  if (match === null || ratio === null) return undefined;
  const bound = Number(match[2]);
  switch (match[1]) {
    case '>=':
      return ratio >= bound;
    case '<=':
      return ratio <= bound;
    case '>':
      return ratio > bound;
    default:
      return ratio < bound;
  }
}

/** A row of the issue's table: one id, or a family of ids sharing a prefix (one row per kind or service). */
export type TableEntry = { id: string; family: boolean; path: string; goal: string; members?: readonly string[] };

/** Issue 16's table, in its order: the order `npm run bench` prints rows in. */
export const ISSUE_TABLE: readonly TableEntry[] = [
  { id: 'create-submit', family: false, path: 'create + submit a referral', goal: '>= 0.5' },
  { id: 'recipient-read', family: false, path: 'recipient read (decision, projection, access log)', goal: '>= 0.5' },
  { id: 'consent-decision', family: false, path: 'consent decision', goal: '>= 0.6' },
  { id: 'submit-email-50', family: false, path: 'submit -> email accepted by SMTP, p99 at 50 referrals/s', goal: '<= 10x' },
  { id: 'submit-email-10', family: false, path: 'same at 10 /s', goal: '<= 10x' },
  { id: 'search-growth-', family: true, path: 'directory search p95, growth 10k -> 100k services', goal: '<= x2' },
  {
    id: 'idle-rss-',
    family: true,
    path: 'RSS of each service, idle',
    goal: '< 150 MB',
    members: ['directory', 'consent', 'referrals', 'notifications', 'console'],
  },
];

function entryIndex(id: string): number {
  return ISSUE_TABLE.findIndex((entry) => (entry.family ? id.startsWith(entry.id) : id === entry.id));
}

/**
 * The rows in the issue's order: by table entry; within a family by its listed
 * members, then in the order they came; ids the table does not know at the end,
 * in the order they came.
 */
export function sortRows<T extends { id: string }>(rows: readonly T[]): T[] {
  const keyed = rows.map((row, arrival) => {
    const index = entryIndex(row.id);
    const entry = ISSUE_TABLE[index];
    const member = entry?.members?.indexOf(row.id.slice(entry.id.length)) ?? -1;
    return { row, arrival, index: index === -1 ? ISSUE_TABLE.length : index, member: member === -1 ? Number.MAX_SAFE_INTEGER : member };
  });
  keyed.sort((a, b) => a.index - b.index || a.member - b.member || a.arrival - b.arrival);
  return keyed.map((k) => k.row);
}

/** The text of an id's row when no benchmark delivered it. */
export function placeholderPath(id: string): string {
  const entry = ISSUE_TABLE[entryIndex(id)];
  if (entry === undefined) return id;
  if (!entry.family) return entry.path;
  const kind = id.slice(entry.id.length);
  return kind === '' ? entry.path : `${entry.path}: ${kind}`;
}

/** A row standing for one no benchmark delivered. */
export function placeholderRow(id: string, status: Exclude<ReportRow['status'], 'measured'>, reason: string): ReportRow {
  const entry = ISSUE_TABLE[entryIndex(id)];
  return { id, path: placeholderPath(id), hub: '', bare: '', ratio: null, ratioText: '—', goal: entry?.goal ?? '', met: false, status, reason };
}

/** Whether an id is selected by `--only` prefixes (every id when there are none). */
export function selectedBy(prefixes: readonly string[], id: string): boolean {
  return prefixes.length === 0 || prefixes.some((prefix) => id.startsWith(prefix));
}

/** A table cell: one line, pipes escaped. */
export function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|').trim();
}

/** The `met` column: yes / **no** / — when not measured. */
export function metText(row: ReportRow): string {
  if (row.status !== 'measured') return '—';
  return row.met ? 'yes' : '**no**';
}

/** The table `| path | hub | bare | ratio | goal | met |`, rows as given (sort them first). */
export function renderTable(rows: readonly ReportRow[]): string {
  const lines = ['| path | hub | bare | ratio | goal | met |', '|---|---|---|---|---|---|'];
  for (const row of rows) {
    const measured = row.status === 'measured';
    const hub = measured ? row.hub : `**${row.status}**: ${row.reason}`;
    const cells = [row.path, hub, measured ? row.bare : '', measured ? row.ratioText : '—', row.goal, metText(row)];
    lines.push(`| ${cells.map((text) => cell(text) || ' ').join(' | ')} |`);
  }
  return lines.join('\n');
}
