import { parseArgs } from 'node:util';
import { pino, type Logger } from 'pino';
import { connectAmqp } from './connection.js';
import { listDeadLetters, replayDeadLetters, type DeadLetter } from './dead-letters.js';

const USAGE = `Usage:
  dead-letters list   --consumer <name> [--limit <n>] [--json]
  dead-letters replay --consumer <name> (--id <eventId> [--id <eventId>…] | --all) [--json]

Environment: AMQP_URL (default amqp://guest:guest@127.0.0.1:5672), LOG_LEVEL (default error).`;

export type DeadLettersCliIo = {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Injected in tests; by default a pino logger on stderr. */
  logger?: Logger;
};

/**
 * The operators' dead-letter tool: lists a consumer's dead letters (without
 * consuming them) or replays some or all of them. Returns the exit code.
 */
export async function runDeadLettersCli(
  argv: string[],
  env: Record<string, string | undefined>,
  io: DeadLettersCliIo = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) },
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        consumer: { type: 'string' },
        id: { type: 'string', multiple: true },
        all: { type: 'boolean', default: false },
        limit: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    io.err(error instanceof Error ? error.message : String(error));
    io.err(USAGE);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help === true) {
    io.out(USAGE);
    return 0;
  }
  if ((command !== 'list' && command !== 'replay') || positionals.length !== 1 || values.consumer === undefined) {
    io.err(USAGE);
    return 2;
  }
  const limit = values.limit === undefined ? 50 : Number.parseInt(values.limit, 10);
  if (!Number.isInteger(limit) || limit < 1) {
    io.err('--limit must be a positive integer');
    return 2;
  }
  const ids = values.id ?? [];
  if (command === 'replay' && values.all !== true && ids.length === 0) {
    io.err('replay needs --id <eventId> (repeatable) or --all');
    return 2;
  }
  if (command === 'replay' && values.all === true && ids.length > 0) {
    io.err('give either --id or --all, not both');
    return 2;
  }

  const logger = io.logger ?? pino({ name: 'dead-letters', level: env.LOG_LEVEL ?? 'error' }, pino.destination(2));
  const amqp = await connectAmqp({
    url: env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    logger,
    name: 'dead-letters-cli',
    waitForConnect: false,
  });
  try {
    await amqp.waitUntilConnected(15_000);
    if (command === 'list') {
      const listing = await listDeadLetters({ amqp, consumer: values.consumer, limit });
      if (values.json === true) {
        io.out(JSON.stringify(listing, null, 2));
      } else {
        io.out(`${listing.queue}: ${listing.total} message(s)${listing.total > listing.messages.length ? `, showing ${listing.messages.length}` : ''}`);
        for (const m of listing.messages) io.out(formatDeadLetter(m));
      }
    } else {
      const result = await replayDeadLetters({
        amqp,
        consumer: values.consumer,
        ...(values.all === true ? { all: true } : { eventIds: ids }),
      });
      if (values.json === true) io.out(JSON.stringify(result, null, 2));
      else {
        io.out(`replayed ${result.replayed}, kept ${result.kept}`);
        if (result.notFound.length > 0) io.out(`not found: ${result.notFound.join(' ')}`);
      }
      if (result.notFound.length > 0) return 1;
    }
    return 0;
  } catch (error) {
    io.err(`dead-letters ${command} failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await amqp.close().catch(() => undefined);
  }
}

function formatDeadLetter(m: DeadLetter): string {
  const error = m.lastError === undefined ? '' : ` ${m.lastError.code}: ${m.lastError.message}`;
  return [
    m.eventId ?? '(no id)',
    m.eventType ?? '(no type)',
    m.time ?? '-',
    `attempts=${m.attempts}`,
    `reason=${m.deathReason ?? '-'}`,
    m.replayedAt === undefined ? '' : `replayed=${m.replayedAt}`,
  ]
    .filter((part) => part !== '')
    .join('  ')
    .concat(error === '' ? '' : ` ${error}`);
}
