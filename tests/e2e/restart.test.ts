/**
 * A service killed in the middle of a case loses nothing: events wait in
 * the broker while notifications is down, and an event committed by the
 * referrals service just before it dies is published when it comes back.
 * Every outcome still reaches the lead exactly once.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DemoCase, LeadOutcome } from '../../scripts/demo/scenario.js';
import { closeE2eHub, startE2eHub } from './harness/hub.js';
import type { E2eHub } from './harness/hub.js';
import { leadMessageCount, openCase, waitUntilDeliveriesSettle } from './harness/steps.js';

let hub: E2eHub;
let demo: DemoCase;

beforeAll(async () => {
  hub = await startE2eHub('restart');
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

describe('a service restarted mid-case', () => {
  it('notifications killed (SIGKILL) between two steps: the steps taken while it was down still reach the lead, once', async () => {
    await demo.act('clinic', 'acknowledge');
    await demo.waitForLeadMessages('clinic', 'acknowledged');
    await waitUntilDeliveriesSettle(demo, 'clinic', 1);

    await hub.stop('notifications', { crash: true });
    expect(hub.process('notifications').hasExited()).toBe(true);
    await demo.act('clinic', 'accept');
    await demo.act('clinic', 'start');
    await hub.start('notifications');

    await demo.waitForLeadMessages('clinic', 'accepted');
    await demo.waitForLeadMessages('clinic', 'started');
  });

  it('referrals killed (SIGKILL) right after a step: its event goes out when it is back, and reaches the lead once', async () => {
    await waitUntilDeliveriesSettle(demo, 'clinic', 3);
    await demo.act('clinic', 'complete', { note: 'Bilan réalisé.' });
    await hub.stop('referrals', { crash: true });
    await hub.start('referrals');
    await demo.waitForLeadMessages('clinic', 'completed');
    expect(demo.referral('clinic').status).toBe('completed');
  });

  it('in the end every outcome produced exactly one e-mail and one SMS to the lead', async () => {
    const outcomes: LeadOutcome[] = ['acknowledged', 'accepted', 'started', 'completed'];
    await waitUntilDeliveriesSettle(demo, 'clinic', outcomes.length);
    for (const outcome of outcomes) expect(leadMessageCount(hub, demo, 'clinic', outcome), outcome).toEqual({ emails: 1, sms: 1 });
    const deliveries = await demo.deliveries('clinic');
    const toLead = deliveries.filter((d) => d.recipientRole === 'lead');
    expect(toLead).toHaveLength(outcomes.length * 2);
    expect(toLead.every((d) => d.status === 'sent')).toBe(true);
  });
});
