/**
 * A message dead-lettered by a bug is replayed after the fix and then does
 * what it should have, once. The "bug" is notifications started with a wrong
 * REFERRALS_URL (it cannot learn whom to tell), with few attempts; the "fix"
 * is a restart with the right one; the replay is the operators' tool behind
 * `npm run dead-letters`.
 */
import { runDeadLettersCli } from '@referral-hub/platform';
import type { DeadLetter, DeadLetterListing, ReplayResult } from '@referral-hub/platform';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DemoCase } from '../../scripts/demo/scenario.js';
import { closeE2eHub, startE2eHub } from './harness/hub.js';
import type { E2eHub } from './harness/hub.js';
import { freePort } from './harness/processes.js';
import { leadMessageCount, openCase, waitUntilDeliveriesSettle } from './harness/steps.js';

let hub: E2eHub;
let demo: DemoCase;
let consumer: string;

beforeAll(async () => {
  hub = await startE2eHub('dead-letter');
  consumer = `${hub.queuePrefix}notifications`;
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

/** `npm run dead-letters -- <args> --json`, in-process; fails unless it exits 0. */
async function deadLetters<T>(args: string[]): Promise<T> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDeadLettersCli([...args, '--json'], { AMQP_URL: hub.amqpUrl, LOG_LEVEL: 'silent' }, { out: (l) => out.push(l), err: (l) => err.push(l) });
  expect(code, err.join('\n')).toBe(0);
  return JSON.parse(out.join('\n')) as T;
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
      const listing = await deadLetters<DeadLetterListing>(['list', '--consumer', consumer]);
      return listing.messages.find((m) => m.eventType === 'referral.acknowledged');
    });
    expect(deadLetter).toMatchObject({ attempts: 2, deathReason: 'max_attempts' });
    expect(deadLetter.eventId).toBeDefined();
    expect(leadMessageCount(hub, demo, 'clinic', 'acknowledged')).toEqual({ emails: 0, sms: 0 });
  });

  it('after the fix, replayed with the dead-letter tool, it tells the lead once by e-mail and SMS', async () => {
    await hub.restart('notifications', { env: { REFERRALS_URL: hub.endpoints.referralsUrl, AMQP_MAX_ATTEMPTS: '10' } });
    // The fix alone does not bring the message back: it waits for an operator.
    const waiting = await deadLetters<DeadLetterListing>(['list', '--consumer', consumer]);
    expect(waiting.messages.map((m) => m.eventId)).toContain(deadLetter.eventId);

    const replay = await deadLetters<ReplayResult>(['replay', '--consumer', consumer, '--id', deadLetter.eventId ?? '']);
    expect(replay).toEqual({ replayed: 1, kept: 0, notFound: [] });

    await demo.waitForLeadMessages('clinic', 'acknowledged');
    await waitUntilDeliveriesSettle(demo, 'clinic', 1);
    expect(leadMessageCount(hub, demo, 'clinic', 'acknowledged')).toEqual({ emails: 1, sms: 1 });
    const after = await deadLetters<DeadLetterListing>(['list', '--consumer', consumer]);
    expect(after.messages).toEqual([]);
  });
});
