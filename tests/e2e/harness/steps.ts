/**
 * Steps the end-to-end tests share on top of the demo case: opening a case
 * on the test hub, waiting until notifications has nothing in flight, and
 * counting what reached the lead.
 */
import { DemoCase, LEAD_OUTCOMES } from '../../../scripts/demo/scenario.js';
import type { LeadOutcome, Recipient } from '../../../scripts/demo/scenario.js';
import type { E2eHub } from './hub.js';

/** A new case on the hub, with channels chosen, consents recorded and the services found. */
export async function openCase(hub: E2eHub): Promise<DemoCase> {
  const demo = await DemoCase.open({ hub: hub.endpoints, token: hub.token, mailbox: hub.mailbox, timeoutMs: 45_000 });
  await demo.chooseChannels();
  await demo.recordConsents();
  await demo.findServices();
  return demo;
}

/**
 * Waits until the referral's delivery log holds the lead's e-mail and SMS
 * for `leadOutcomes` outcomes and nothing is still queued (the rows of one
 * event are written together): nothing is in flight, so a process may be
 * stopped without catching a message half-sent.
 */
export async function waitUntilDeliveriesSettle(demo: DemoCase, recipient: Recipient, leadOutcomes: number): Promise<void> {
  await demo.waitFor(`the deliveries of the referral to the ${recipient} to settle`, async () => {
    const deliveries = await demo.deliveries(recipient);
    const toLead = deliveries.filter((d) => d.recipientRole === 'lead').length;
    return toLead >= leadOutcomes * 2 && deliveries.every((d) => d.status === 'sent' || d.status === 'failed') ? true : undefined;
  });
}

/** How many e-mails and SMS about `outcome` of the referral to `recipient` reached the lead. */
export function leadMessageCount(hub: E2eHub, demo: DemoCase, recipient: Recipient, outcome: LeadOutcome): { emails: number; sms: number } {
  const code = demo.referral(recipient).code;
  const lead = demo.people.lead;
  return {
    emails: hub.smtp.received.filter((m) => m.to === lead.email && m.subject === LEAD_OUTCOMES[outcome].subject(code)).length,
    sms: hub.sms.received.filter((m) => m.to === lead.phone && m.text.includes(code) && LEAD_OUTCOMES[outcome].sms.test(m.text)).length,
  };
}
