/**
 * The operator CLI: `npm run hub -- <command>` (or, from any folder of the
 * checkout, `node --conditions=@referral-hub/source --import tsx scripts/cli/index.ts <command>`).
 *
 * Each command lives in its own module and only drives what the services and
 * the platform already provide (the development identity, the directory's
 * import API, the platform's dead-letter and outbox functions, the
 * notifications' delivery queue, the audit chain verifier). No command reads
 * case data: its only database reads count unpublished outbox rows and (through
 * scripts/audit-verify.ts) recompute audit chains (ADR 11).
 */
import { pathToFileURL } from 'node:url';
import type { Command, Io } from './common.js';
import { CliError, EXIT, messageOf, UsageError } from './common.js';

/** A command as the index knows it: loaded only when run, so that each starts with only what it needs. */
type Entry = { name: string; summary: string; load: () => Promise<Command> };

export const COMMANDS: readonly Entry[] = [
  { name: 'token', summary: 'print a development bearer token (coordinator of the hub by default)', load: async () => (await import('./token.js')).tokenCommand },
  { name: 'hsds', summary: 'import an Open Referral HSDS 3.0 dataset into the directory', load: async () => (await import('./hsds.js')).hsdsCommand },
  { name: 'dead-letters', summary: 'list or replay the messages consumers gave up on', load: async () => (await import('./dead-letters.js')).deadLettersCommand },
  { name: 'backlog', summary: 'outbox rows, RabbitMQ queues and BullMQ jobs waiting, per service', load: async () => (await import('./backlog.js')).backlogCommand },
  { name: 'audit', summary: 'verify the audit hash chains (runs scripts/audit-verify.ts)', load: async () => (await import('./audit.js')).auditCommand },
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: npm run hub -- <command> [options]     (npm run --silent hub -- … for output alone)

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

  help <command>, <command> --help   what a command takes

Exit codes: 0 done; 1 failed (a service unreachable, a refusal, a broken chain);
2 wrong command line (nothing was done); 3 hsds import: some records rejected.

Connections come from the same variables as the services' (see infra/.env.example),
defaulting to what npm start runs on this machine.`;
}

/** Runs one command line; returns the exit code. Never throws. */
export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    (name === undefined ? io.err : io.out)(usage());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === 'help') {
    const target = COMMANDS.find((c) => c.name === rest[0]);
    if (rest[0] !== undefined && target === undefined) {
      io.err(`hub: unknown command ${rest[0]}\n\n${usage()}`);
      return EXIT.usage;
    }
    io.out(target === undefined ? usage() : (await target.load()).usage);
    return EXIT.ok;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (entry === undefined) {
    io.err(`hub: unknown command ${name}\n\n${usage()}`);
    return EXIT.usage;
  }
  const command = await entry.load();
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`hub ${entry.name}: ${error.message}\n\n${command.usage}`);
      return EXIT.usage;
    }
    if (error instanceof CliError) {
      io.err(`hub ${entry.name}: ${error.message}`);
      return error.exitCode;
    }
    io.err(`hub ${entry.name} failed: ${messageOf(error)}`);
    return EXIT.failed;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const io: Io = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
  };
  process.exitCode = await main(process.argv.slice(2), io);
}
