/**
 * The demo case from end to end, on a hub of separate processes: consents,
 * the directory search, two referrals, the department's acknowledgement, the
 * clinic's acceptance, start and completion, the lead told of each by e-mail
 * and SMS, the caregiver's withdrawal, and the access log.
 */
import { FIELD_CATALOGUE, fieldsInGroup } from '@referral-hub/contracts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PAYLOAD, DEMO_SHARING } from '../../scripts/demo/case.js';
import { DemoCase, LEAD_OUTCOMES } from '../../scripts/demo/scenario.js';
import type { LeadOutcome, Recipient } from '../../scripts/demo/scenario.js';
import { closeE2eHub, startE2eHub } from './harness/hub.js';
import type { E2eHub } from './harness/hub.js';

let hub: E2eHub;
let demo: DemoCase;

beforeAll(async () => {
  hub = await startE2eHub('demo-case');
  demo = await DemoCase.open({ hub: hub.endpoints, token: hub.token, mailbox: hub.mailbox, timeoutMs: 45_000 });
});

afterAll(async () => {
  await closeE2eHub(hub);
});

beforeEach(({ onTestFailed }) => {
  onTestFailed(async () => {
    process.stderr.write(`\nProcess logs:\n${await hub.logs()}\n`);
  });
});

/** The keys of the payload in the groups a recipient was consented. */
function keysSharedWith(recipient: Recipient): string[] {
  const groups: readonly string[] = DEMO_SHARING[recipient];
  return Object.keys(DEMO_PAYLOAD).filter((key) => groups.includes(FIELD_CATALOGUE.find((f) => f.key === key)?.group ?? ''));
}

/** The child's details in words, for "never in a message" checks. */
const CHILD_TEXTS: string[] = [
  DEMO_PAYLOAD['child.firstName'],
  DEMO_PAYLOAD['child.lastName'],
  ...DEMO_PAYLOAD['health.conditions'],
  ...DEMO_PAYLOAD['health.medication'],
  DEMO_PAYLOAD['case.summary'],
  ...DEMO_PAYLOAD['case.needsAssessed'],
  ...DEMO_PAYLOAD['case.planGoals'],
];

describe('the demo case', () => {
  it('records the caregiver’s consent and the child’s assent: identity and health to the clinic, the case summary to the department', async () => {
    await demo.chooseChannels();
    const consents = await demo.recordConsents();
    expect(consents.context).toMatchObject({ caseCode: demo.caseCode, childAge: 12, caregiverCanBeAsked: true });
    for (const recipient of ['clinic', 'dppe'] as const) {
      for (const consent of [consents.caregiver[recipient], consents.child[recipient]]) {
        expect(consent.status).toBe('active');
        expect(consent.scope.fields).toEqual([...DEMO_SHARING[recipient]]);
        expect(consent.scope.recipientOrganizationIds).toEqual([demo.organizations[recipient === 'clinic' ? 'ubuzima' : 'dppe']]);
      }
    }
    expect(consents.child.clinic).toMatchObject({ givenBy: 'child', kind: 'assent' });
    expect(consents.caregiver.clinic).toMatchObject({ givenBy: 'caregiver', kind: 'consent' });
  });

  it('finds the clinic’s and the department’s services in the directory, then creates and submits both referrals', async () => {
    const found = await demo.findServices();
    expect(found.clinic.chosen.organizationId).toBe(demo.organizations.ubuzima);
    expect(found.dppe.chosen.organizationId).toBe(demo.organizations.dppe);
    expect(found.dppe.results.length).toBeGreaterThan(1);

    for (const recipient of ['clinic', 'dppe'] as const) {
      const { draft, submitted } = await demo.refer(recipient);
      expect(draft.status).toBe('draft');
      expect(draft.access.level).toBe('proposer');
      expect(submitted.status).toBe('submitted');
      // Only what the consents allow was let go: the clinic's groups to the clinic, the summary to the department.
      expect([...submitted.access.sharedFieldKeys].sort()).toEqual(keysSharedWith(recipient).sort());
    }
  });

  it('the department acknowledges and reads the case summary only', async () => {
    const acknowledged = await demo.act('dppe', 'acknowledge');
    expect(acknowledged.status).toBe('acknowledged');
    const read = await demo.read('dppe');
    expect(read.access.level).toBe('consented');
    expect(Object.keys(read.payload).sort()).toEqual(fieldsInGroup('case_summary').map((f) => f.key).sort());
    expect(read.payload).not.toHaveProperty('child.firstName');
    expect(read.payload).not.toHaveProperty('health.conditions');
  });

  it('the clinic acknowledges, reads the child’s identity and health (not the protection risk), accepts, starts and completes', async () => {
    await demo.act('clinic', 'acknowledge');
    const read = await demo.read('clinic');
    expect(read.payload).toMatchObject({ 'child.firstName': DEMO_PAYLOAD['child.firstName'], 'health.conditions': DEMO_PAYLOAD['health.conditions'] });
    expect(Object.keys(read.payload).sort()).toEqual(keysSharedWith('clinic').sort());
    expect(read.payload).not.toHaveProperty('protection.riskLevel');
    expect(read.payload).not.toHaveProperty('case.summary');
    expect((await demo.act('clinic', 'accept')).status).toBe('accepted');
    expect((await demo.act('clinic', 'start')).status).toBe('in_progress');
    expect((await demo.act('clinic', 'complete', { note: 'Bilan réalisé, traitement prescrit.' })).status).toBe('completed');
  });

  it('the lead gets one e-mail and one SMS per outcome, in French, naming codes and agencies but nothing about the child', async () => {
    const expected: [Recipient, LeadOutcome][] = [
      ['dppe', 'acknowledged'],
      ['clinic', 'acknowledged'],
      ['clinic', 'accepted'],
      ['clinic', 'started'],
      ['clinic', 'completed'],
    ];
    for (const [recipient, outcome] of expected) {
      const { email, sms } = await demo.waitForLeadMessages(recipient, outcome);
      const code = demo.referral(recipient).code;
      expect(email.subject).toBe(LEAD_OUTCOMES[outcome].subject(code));
      expect(email.text).toContain(demo.caseCode);
      expect(email.text).toContain("Ce message ne contient jamais d'information sur l'enfant");
      expect(sms.text).toContain(code);
      for (const text of CHILD_TEXTS) {
        expect(email.text, `${outcome} e-mail`).not.toContain(text);
        expect(sms.text, `${outcome} SMS`).not.toContain(text);
      }
    }
    const lead = demo.people.lead;
    const emails = hub.smtp.received.filter((m) => m.to === lead.email);
    const texts = hub.sms.received.filter((m) => m.to === lead.phone);
    expect(emails.every((m) => m.language === 'fr')).toBe(true);
    // Exactly one of each: nothing sent twice, nothing else sent to her.
    expect(emails.map((m) => m.subject).sort()).toEqual(expected.map(([r, o]) => LEAD_OUTCOMES[o].subject(demo.referral(r).code)).sort());
    expect(texts).toHaveLength(expected.length);
  });

  it('after the caregiver withdraws her consent to the clinic, the clinic’s next read shows none of the child’s details; the department keeps the summary', async () => {
    const withdrawn = await demo.withdrawCaregiverConsent('clinic');
    expect(withdrawn.status).toBe('withdrawn');
    const revoked = await demo.waitForAccessRevoked('clinic');
    expect([...revoked.fieldKeys].sort()).toEqual(keysSharedWith('clinic').sort());

    const clinic = await demo.read('clinic');
    expect(clinic.payload).toEqual({});
    expect(clinic.access.fieldKeys).toEqual([]);
    const dppe = await demo.read('dppe');
    expect(Object.keys(dppe.payload).sort()).toEqual(keysSharedWith('dppe').sort());

    const { email } = await demo.waitForLeadMessages('clinic', 'access_revoked');
    for (const text of CHILD_TEXTS) expect(email.text).not.toContain(text);
  });

  it('the generic gateway’s delivery reports mark the lead’s SMS delivered, or failed with its reason; an unknown id changes nothing', async () => {
    const code = demo.referral('clinic').code;
    const sms = hub.sms.received.filter((m) => m.to === demo.people.lead.phone && m.text.includes(code));
    const [first, second] = sms;
    if (first?.messageId === undefined || second?.messageId === undefined) throw new Error('two SMS to the lead about the clinic’s referral');
    for (const report of [
      { id: first.messageId, status: 'delivered' as const },
      { id: second.messageId, status: 'failed' as const, reason: 'absent_subscriber' },
      { id: 'fake-sms-never-sent', status: 'delivered' as const },
    ]) {
      const answer = await hub.callbacks.httpDeliveryReport(report);
      expect(answer.status, answer.text).toBe(200);
    }
    const statusOf = (id: string) => demo.deliveries('clinic').then((list) => list.find((d) => d.providerMessageId === id)?.status);
    await demo.waitFor('the reports in the delivery log', async () => ((await statusOf(first.messageId ?? '')) === 'delivered' && (await statusOf(second.messageId ?? '')) === 'failed' ? true : undefined));
  });

  it('the access log lists every read from outside the lead’s agency with exactly the keys it returned', async () => {
    for (const recipient of ['clinic', 'dppe'] as const) {
      const log = await demo.accessLog(recipient);
      const reads = demo.reads.filter((r) => r.recipient === recipient);
      expect(log.map((entry) => ({ reader: entry.readerUserId, keys: [...entry.fieldKeys].sort() }))).toEqual(
        reads.map((read) => ({ reader: read.readerUserId, keys: [...read.fieldKeys].sort() })),
      );
      for (const [index, read] of reads.entries()) expect(Object.keys(read.payload).sort()).toEqual([...(log[index]?.fieldKeys ?? [])].sort());
    }
  });
});
