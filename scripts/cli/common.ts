/**
 * What every command of the operator CLI shares: its input and output, the
 * exit codes, option parsing that turns mistakes into usage errors, and
 * formatting. Nothing heavy: `hub --help` loads only this.
 */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';

/** Exit codes, the same for every command (listed in `hub --help`). */
export const EXIT = {
  ok: 0,
  /** The command ran and failed: a service unreachable, a refusal, a broken chain. */
  failed: 1,
  /** The command line is wrong; nothing was done. */
  usage: 2,
  /** `hsds import`: the import ran but some records were rejected. */
  rejected: 3,
} as const;

/** Where a command reads its settings and writes its lines; tests and `index.ts` provide it. */
export type Io = {
  out(line: string): void;
  err(line: string): void;
  env: Record<string, string | undefined>;
};

/** A command: its usage text (for `--help` and mistakes) and what it does. Its name and summary are in `index.ts`. */
export type Command = {
  usage: string;
  run(argv: string[], io: Io): Promise<number>;
};

/** A mistake on the command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A failure the operator can act on: printed as is (no stack), with its exit code. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;
type ParseConfig<O extends Options> = {
  args: string[];
  options: O & { help: { type: 'boolean'; short: 'h' } };
  allowPositionals: true;
  strict: true;
};

/** `parseArgs` in strict mode, with `--help`/`-h` always known; a bad option becomes a {@link UsageError}. */
export function parseOptions<const O extends Options>(argv: string[], options: O): ReturnType<typeof parseArgs<ParseConfig<O>>> {
  const config: ParseConfig<O> = {
    args: argv,
    options: { ...options, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  };
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** Trims a value; empty means absent. */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** Prints a value as indented JSON (what `--json` gives). */
export function printJson(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

/** Redacts the password of a connection URL before it is printed. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** A duration in whole units, for people: `42s`, `7m`, `3h`, `2d`. */
export function humanAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/**
 * Renders rows as aligned columns (the first row is the header). A shorter row
 * (a service and a message) spans the remaining columns without widening them.
 */
export function table(rows: readonly (readonly string[])[]): string[] {
  const columns = rows[0]?.length ?? 0;
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      if (row.length === columns || i < row.length - 1) widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

/** The message of anything thrown, without a stack. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
