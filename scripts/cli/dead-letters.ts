/**
 * `hub dead-letters`: lists and replays the messages the consumers gave up on,
 * with the platform's own tools (`listDeadLetters`, `replayDeadLetters`), over
 * every consuming service at once or one (`--service`). Never shows an event's
 * data: ids, types, times, errors. The hub's one dead-letter tool (ADR 0023).
 */
import { consumerQueueNames, listDeadLetters, replayDeadLetters } from '@referral-hub/platform';
import type { DeadLetter, ReplayResult } from '@referral-hub/platform';
import { consumerOf, queueDepth, selectConsumers, withBroker } from './connections.js';
import type { Command, Io } from './common.js';
import { EXIT, messageOf, nonEmpty, parseOptions, printJson, UsageError } from './common.js';

const USAGE = `Usage:
  hub dead-letters list [--service <name>] [--limit <n>] [--json]
  hub dead-letters replay <eventId>… [--service <name>] [--json]
  hub dead-letters replay --all [--service <name>] [--json]

list     the dead-letter queue of each consuming service (or of --service):
         event id, type, time, attempts, why, last error — never the data.
         Messages stay where they are.
replay   sends the given dead letters (or all of them) back to their consumer's
         own queue, with a fresh attempt count. Without --service, an event id
         is looked for in every consuming service's dead-letter queue (an event
         several services failed on is replayed to each). Exit code 1 when an
         id was found nowhere.

Options:
  --service <name>   referrals, notifications or consent (default: all)
  --limit <n>        most messages listed per queue (default 50)
  --json             machine-readable output

Environment: AMQP_URL (default the local broker), AMQP_QUEUE_PREFIX (the deployment's queue prefix, default none).`;

function describe(m: DeadLetter): string {
  const parts = [
    m.eventId ?? '(no id)',
    m.eventType ?? '(no type)',
    m.time ?? '-',
    `attempts=${m.attempts}`,
    `reason=${m.deathReason ?? '-'}`,
  ];
  if (m.replayedAt !== undefined) parts.push(`replayed=${m.replayedAt}`);
  if (m.lastError !== undefined) parts.push(`error=${m.lastError.code}: ${m.lastError.message}`);
  return `  ${parts.join('  ')}`;
}

async function list(io: Io, options: { service: string | undefined; limit: number; json: boolean }): Promise<number> {
  const services = selectConsumers(options.service);
  const listings = await withBroker(io, async (amqp) => {
    const results = [];
    for (const service of services) {
      const consumer = consumerOf(io, service);
      const queue = consumerQueueNames(consumer).deadLetterQueue;
      // A queue that does not exist yet (the service never started) has no dead letters to list.
      if ((await queueDepth(amqp, queue)) === null) {
        results.push({ service, queue, exists: false, total: 0, messages: [] as DeadLetter[] });
        continue;
      }
      const listing = await listDeadLetters({ amqp, consumer, limit: options.limit });
      results.push({ service, queue: listing.queue, exists: true, total: listing.total, messages: listing.messages });
    }
    return results;
  });
  if (options.json) {
    printJson(io, { queues: listings });
    return EXIT.ok;
  }
  for (const l of listings) {
    if (!l.exists) {
      io.out(`${l.service}: ${l.queue} does not exist (the service has not started on this broker yet)`);
      continue;
    }
    const shown = l.total > l.messages.length ? `, showing ${l.messages.length}` : '';
    io.out(`${l.service}: ${l.queue}: ${l.total} message(s)${shown}`);
    for (const m of l.messages) io.out(describe(m));
  }
  return EXIT.ok;
}

async function replay(io: Io, options: { service: string | undefined; all: boolean; ids: string[]; json: boolean }): Promise<number> {
  const services = selectConsumers(options.service);
  const results = await withBroker(io, async (amqp) => {
    const out: ({ service: string; queue: string } & (ReplayResult | { error: string }))[] = [];
    for (const service of services) {
      const consumer = consumerOf(io, service);
      const queue = consumerQueueNames(consumer).deadLetterQueue;
      if ((await queueDepth(amqp, queue)) === null) {
        out.push({ service, queue, replayed: 0, kept: 0, notFound: [...options.ids] });
        continue;
      }
      try {
        const result = await replayDeadLetters({ amqp, consumer, ...(options.all ? { all: true } : { eventIds: options.ids }) });
        out.push({ service, queue, ...result });
      } catch (error) {
        out.push({ service, queue, error: messageOf(error) });
      }
    }
    return out;
  });
  // An id counts as found when any selected service held it.
  const notFound = options.ids.filter((id) => results.every((r) => 'error' in r || r.notFound.includes(id)));
  const failed = results.some((r) => 'error' in r);
  if (options.json) {
    printJson(io, { results, notFound });
  } else {
    for (const r of results) {
      if ('error' in r) io.err(`${r.service}: replay from ${r.queue} failed: ${r.error}`);
      else io.out(`${r.service}: replayed ${r.replayed}, kept ${r.kept} in ${r.queue}`);
    }
    if (notFound.length > 0) io.err(`not found in any dead-letter queue: ${notFound.join(' ')}`);
  }
  return failed || notFound.length > 0 ? EXIT.failed : EXIT.ok;
}

async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseOptions(argv, {
    service: { type: 'string' },
    limit: { type: 'string' },
    all: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const [action, ...rest] = positionals;
  if (values.help === true) {
    io.out(USAGE);
    return EXIT.ok;
  }
  const service = nonEmpty(values.service);
  const json = values.json === true;
  if (action === 'list') {
    if (rest.length > 0) throw new UsageError(`list takes no argument (got ${rest.join(' ')})`);
    if (values.all === true) throw new UsageError('--all is for replay');
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
    return list(io, { service, limit, json });
  }
  if (action === 'replay') {
    if (values.limit !== undefined) throw new UsageError('--limit is for list');
    const all = values.all === true;
    if (all && rest.length > 0) throw new UsageError('give event ids or --all, not both');
    if (!all && rest.length === 0) throw new UsageError('replay needs event ids or --all');
    return replay(io, { service, all, ids: rest, json });
  }
  throw new UsageError(action === undefined ? 'say list or replay' : `unknown action ${action}: say list or replay`);
}

export const deadLettersCommand: Command = { usage: USAGE, run };
