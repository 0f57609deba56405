/**
 * A message dead-lettered by a bug is replayed after the fix and then does
 * what it should have, once. The "bug" is notifications started with a wrong
 * REFERRALS_URL (it cannot learn whom to tell), with few attempts; the "fix"
 * is a restart with the right one; the replay is the operators' tool,
 * `npm run hub -- dead-letters`.
 */
import type { DeadLetter, DeadLetterListing, ReplayResult } from '@referral-hub/platform';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deadLettersCommand } from '../../scripts/cli/dead-letters.js';
import type { DemoCase } from '../../scripts/demo/scenario.js';
import { closeE2eHub, startE2eHub } from './harness/hub.js';
import type { E2eHub } from './harness/hub.js';
import { freePort } from './harness/processes.js';
import { leadMessageCount, openCase, waitUntilDeliveriesSettle } from './harness/steps.js';

let hub: E2eHub;
let demo: DemoCase;

beforeAll(async () => {
  hub = await startE2eHub('dead-letter');
  demo = await openCase(hub);
  await demo.refer('clinic');
});

afterAll(async () => {
  await closeE2eHub(hub);
});

beforeEach(({ onTestFailed }) => {
  onTestFailed(async () => {
    process.stderr.write(`\nProcess logs:\n${await hub.logs()}\n`);
  });
});

/** `npm run hub -- dead-letters <action> <args> --service notifications --json`, in-process; fails unless it exits 0. */
async function deadLetters<T>(action: 'list' | 'replay', args: string[] = []): Promise<T> {
  const out: string[] = [];
  const err: string[] = [];
  const env = { AMQP_URL: hub.amqpUrl, AMQP_QUEUE_PREFIX: hub.queuePrefix, LOG_LEVEL: 'silent' };
  const code = await deadLettersCommand.run([action, ...args, '--service', 'notifications', '--json'], { out: (l) => out.push(l), err: (l) => err.push(l), env });
  expect(code, err.join('\n')).toBe(0);
  return JSON.parse(out.join('\n')) as T;
}

/** The notifications' dead-letter queue, as `hub dead-letters list` shows it. */
async function listing(): Promise<DeadLetterListing> {
  const { queues } = await deadLetters<{ queues: DeadLetterListing[] }>('list');
  const [notifications] = queues;
  if (notifications === undefined) throw new Error('hub dead-letters listed no queue');
  return notifications;
}

describe('a dead-lettered message', () => {
  let deadLetter: DeadLetter;

  it('is dead-lettered when notifications cannot reach the referrals service, and no one is told', async () => {
    // Nothing of the submission is left in flight before the "bug" is deployed.
    await demo.waitFor('the submission to be notified', async () => ((await demo.deliveries('clinic')).length > 0 ? true : undefined));
    await waitUntilDeliveriesSettle(demo, 'clinic', 0);
    await hub.restart('notifications', { env: { REFERRALS_URL: `http://127.0.0.1:${await freePort()}`, AMQP_MAX_ATTEMPTS: '2' } });

    await demo.act('clinic', 'acknowledge');
    deadLetter = await demo.waitFor('the acknowledgement in the dead-letter queue', async () => {
      return (await listing()).messages.find((m) => m.eventType === 'referral.acknowledged');
    });
    expect(deadLetter).toMatchObject({ attempts: 2, deathReason: 'max_attempts' });
    expect(deadLetter.eventId).toBeDefined();
    expect(leadMessageCount(hub, demo, 'clinic', 'acknowledged')).toEqual({ emails: 0, sms: 0 });
  });

  it('after the fix, replayed with the dead-letter tool, it tells the lead once by e-mail and SMS', async () => {
    await hub.restart('notifications', { env: { REFERRALS_URL: hub.endpoints.referralsUrl, AMQP_MAX_ATTEMPTS: '10' } });
    // The fix alone does not bring the message back: it waits for an operator.
    const waiting = await listing();
    expect(waiting.messages.map((m) => m.eventId)).toContain(deadLetter.eventId);

    const replay = await deadLetters<{ results: ReplayResult[]; notFound: string[] }>('replay', [deadLetter.eventId ?? '']);
    expect(replay.results).toEqual([expect.objectContaining({ replayed: 1, kept: 0, notFound: [] })]);
    expect(replay.notFound).toEqual([]);

    await demo.waitForLeadMessages('clinic', 'acknowledged');
    await waitUntilDeliveriesSettle(demo, 'clinic', 1);
    expect(leadMessageCount(hub, demo, 'clinic', 'acknowledged')).toEqual({ emails: 1, sms: 1 });
    const after = await listing();
    expect(after.messages).toEqual([]);
  });
});
