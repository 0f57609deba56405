/**
 * Acting on a referral from any phone (issue 15), over one hub of real
 * services, a real SMTP server and a fake Africa's Talking speaking its
 * protocols: the new-referral SMS names a reply code; `OK <code>` (and
 * accented, mixed-case variants) acknowledges, accepts and completes, and the
 * lead is told by e-mail; `NON <code> capacite` declines with its reason; an
 * unknown number, an unknown code and a redelivered callback change nothing;
 * a USSD session goes from the menu to a decision within 182-character
 * screens; delivery reports update the delivery log and a failed SMS to a
 * focal point (reported failed, or refused when sent) falls back to e-mail; the e-mail's one-click links do nothing
 * on GET (a mail scanner) and act once on POST; a reply refused while the
 * referrals service is down is taken once when the provider sends it again;
 * a number that floods the hub is told once to wait, then ignored.
 * No message in either direction carries the child's data.
 */
import { randomBytes } from 'node:crypto';
import type { ReferralsApi } from '@referral-hub/contracts';
import { createClientCredentialsProvider } from '@referral-hub/platform';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PAYLOAD } from '../../scripts/demo/case.js';
import { DEMO_COORDINATOR, demoOrganization } from '../../scripts/demo/network.js';
import { DemoCase, LEAD_OUTCOMES } from '../../scripts/demo/scenario.js';
import type { HistoryEntry, Recipient, Referral } from '../../scripts/demo/scenario.js';
import type { CaughtAtSms } from './harness/fake-africastalking.js';
import { closeE2eHub, startE2eHub } from './harness/hub.js';
import type { E2eHub } from './harness/hub.js';
import { openCase } from './harness/steps.js';

type R = ReferralsApi.components['schemas'];

let hub: E2eHub;
/** The lead's and focal points' people and the demo organisations' ids (no referral of its own). */
let people: DemoCase;
/** The directory ids of the two receiving focal points the demo plays. */
const focalPointIds: Partial<Record<Recipient, string>> = {};
/** Every USSD screen the hub answered, and every text sent to it, for the "no child data" check. */
const ussdScreens: string[] = [];
const sentToHub: string[] = [];

/** Messages (and USSD sessions) one number may send in ten minutes in this hub. */
const RATE_LIMIT = 10;
/** A number no focal point has. */
const STRANGER = '+25779000999';
/** The work phone of another organisation's focal point (ADEM's), who receives none of these referrals. */
const OTHER_ORG_FOCAL_POINT = phoneOf(demoOrganization('adem').focalPoints[0]?.phone);

function phoneOf(phone: string | null | undefined): string {
  if (phone === null || phone === undefined) throw new Error('a demo focal point without a phone');
  return phone;
}

/** `+` and digits only: how a number is compared. */
const normalise = (phone: string) => phone.replace(/[^+0-9]/g, '');

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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(150);
  }
}

function fpPhone(recipient: Recipient): string {
  return phoneOf(people.focalPoint(recipient).phone);
}

/** Every SMS the fake provider took for `phone`, oldest first. */
function smsTo(phone: string): CaughtAtSms[] {
  return hub.africasTalking.received.filter((m) => normalise(m.to) === normalise(phone));
}

/** Waits for the next SMS to `phone` after the first `after` ones that matches. */
function nextSms(phone: string, after: number, what: string, match: (m: CaughtAtSms) => boolean = () => true): Promise<CaughtAtSms> {
  return waitUntil(what, () => smsTo(phone).slice(after).find(match));
}

/** The new-referral SMS to the focal point of `recipient`, naming the referral's reply code. */
async function newReferralSms(demo: DemoCase, recipient: Recipient): Promise<CaughtAtSms> {
  const referral = demo.referral(recipient);
  const replyCode = referral.replyCode;
  expect(replyCode).toMatch(/^[0-9]{4,6}$/);
  return nextSms(fpPhone(recipient), 0, `the new-referral SMS of ${referral.code}`, (m) => m.text.includes(referral.code) && m.text.includes(replyCode ?? '-'));
}

/** A reply SMS from `from`, in Africa's Talking's incoming-message callback. */
async function reply(from: string, text: string, id?: string): Promise<string> {
  sentToHub.push(text);
  const answer = await hub.callbacks.incomingSms({ from, text, ...(id === undefined ? {} : { id }) });
  expect(answer.status, answer.text).toBe(200);
  return answer.id;
}

async function referralNow(demo: DemoCase, recipient: Recipient): Promise<Referral> {
  const response = await fetch(`${hub.endpoints.referralsUrl}/v1/referrals/${demo.referral(recipient).id}`, {
    headers: { authorization: `Bearer ${await hub.token(demo.claimsOf('lead'))}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Referral;
}

function entries(history: HistoryEntry[], action: string): HistoryEntry[] {
  return history.filter((e) => e.action === action);
}

/** Whether a confirmation reads as French, or as English (they name codes and statuses, never the child). */
const looksFrench = (text: string) => /C'est fait|maintenant|R[ée]pondez/.test(text) && !/\bDone\b|is now/.test(text);
const looksEnglish = (text: string) => /\bDone\b|is now|\bReply\b/.test(text) && !/C'est fait|maintenant/.test(text);

beforeAll(async () => {
  hub = await startE2eHub('phone-channels', {
    smsProvider: 'africastalking',
    serviceEnv: { notifications: { PHONE_RATE_LIMIT_MESSAGES: String(RATE_LIMIT), PHONE_RATE_LIMIT_WINDOW_MS: '600000' } },
  });
  people = await DemoCase.open({ hub: hub.endpoints, token: hub.token, mailbox: hub.mailbox, timeoutMs: 45_000 });
  await people.chooseChannels();

  const coordinator = { sub: DEMO_COORDINATOR.userId, org: DEMO_COORDINATOR.organizationId, roles: ['network_coordinator' as const] };
  for (const [recipient, key] of [
    ['dppe', 'dppe'],
    ['clinic', 'ubuzima'],
  ] as const) {
    const response = await fetch(`${hub.endpoints.directoryUrl}/v1/organizations/${people.organizations[key]}/focal-points`, {
      headers: { authorization: `Bearer ${await hub.token(coordinator)}` },
    });
    const list = (await response.json()) as { items: { id: string; name: string; version: number }[] };
    const found = list.items.find((f) => f.name === people.focalPoint(recipient).name);
    if (found === undefined) throw new Error(`no directory focal point for the ${recipient}`);
    focalPointIds[recipient] = found.id;

    if (recipient === 'clinic') {
      // The clinic's focal point works in English and wants SMS only: her confirmations come in English, and a
      // failed SMS to her has no e-mail beside it, so it falls back to one.
      const admin = { sub: demoOrganization('ubuzima').adminUserId, org: people.organizations.ubuzima, roles: ['org_admin' as const] };
      const patched = await fetch(`${hub.endpoints.directoryUrl}/v1/focal-points/${found.id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${await hub.token(admin)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ version: found.version, notificationLanguage: 'en' }),
      });
      expect(patched.status, await patched.text()).toBe(200);
    }
  }

  // The department's focal point: e-mail and SMS, in French.
  await people.focalPointChoosesSms('dppe');
  const preferences = await fetch(`${hub.endpoints.notificationsUrl}/v1/me/preferences`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${await hub.token(people.claimsOf('clinicFocalPoint'))}`, 'content-type': 'application/json' },
    body: JSON.stringify({ channels: ['sms'], language: 'en' }),
  });
  expect(preferences.status, await preferences.text()).toBe(200);

  // The referrals service learns the clinic focal point's language from the directory's events: wait for it, as
  // the notifications service would see it.
  const machine = createClientCredentialsProvider({
    tokenUrl: `${hub.identityUrl}/token`,
    clientId: 'notifications-service',
    clientSecret: hub.envOf('notifications').AUTH_CLIENT_SECRET ?? '',
    audience: hub.audience,
  });
  await waitUntil('the referrals service to know the clinic focal point speaks English', async () => {
    const response = await fetch(`${hub.endpoints.referralsUrl}/v1/phone-inbox`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await machine.getToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ phone: fpPhone('clinic') }),
    });
    const body = (await response.json().catch(() => ({}))) as { language?: unknown };
    return response.status === 200 && body.language === 'en' ? true : undefined;
  });
});

afterAll(async () => {
  await closeE2eHub(hub);
});

beforeEach(({ onTestFailed }) => {
  onTestFailed(async () => {
    process.stderr.write(`\nSMS taken by the fake provider:\n${hub.africasTalking.received.map((m) => `  ${m.to} ${m.messageId}: ${m.text}`).join('\n')}\n`);
    process.stderr.write(`\nProcess logs:\n${await hub.logs()}\n`);
  });
});

describe('SMS replies', () => {
  let demo: DemoCase;
  let okMessageId: string;

  it('the focal point is texted the reply code, answers `ok <code>`: acknowledged by SMS, the lead told by e-mail, the focal point thanked in French', async () => {
    demo = await openCase(hub);
    await demo.refer('dppe');
    const referral = demo.referral('dppe');
    const replyCode = referral.replyCode ?? '';
    const phone = fpPhone('dppe');
    const newReferral = await newReferralSms(demo, 'dppe');
    expect(newReferral.text.length).toBeLessThanOrEqual(480);

    const before = smsTo(phone).length;
    okMessageId = await reply(phone, `ok ${replyCode}`);
    const acknowledged = await demo.waitForStatus('dppe', 'acknowledged');
    expect(acknowledged.status).toBe('acknowledged');

    const [ack] = entries(await demo.history('dppe'), 'acknowledge');
    expect(ack).toMatchObject({ channel: 'sms', actorFocalPointId: focalPointIds.dppe, toStatus: 'acknowledged' });

    const { email } = await demo.waitForLeadMessages('dppe', 'acknowledged');
    expect(email.subject).toBe(LEAD_OUTCOMES.acknowledged.subject(referral.code));
    expect(email.to).toBe(demo.people.lead.email);

    const confirmation = await nextSms(phone, before, 'the confirmation SMS', (m) => m.text.includes(referral.code) || m.text.includes(replyCode));
    expect(looksFrench(confirmation.text), confirmation.text).toBe(true);
  });

  it('accented and mixed-case words work: `  Accépté <code> ` accepts, then `fini <code>` by the generic gateway completes (started, then completed)', async () => {
    const replyCode = demo.referral('dppe').replyCode ?? '';
    const phone = fpPhone('dppe');
    await reply(phone, `  Accépté   ${replyCode} `);
    await demo.waitForStatus('dppe', 'accepted');

    sentToHub.push(`fini ${replyCode}`);
    const answer = await hub.callbacks.httpIncomingSms({ id: `gw-${randomBytes(6).toString('hex')}`, from: phone, text: `fini ${replyCode}` });
    expect(answer.status, answer.text).toBe(200);
    expect((JSON.parse(answer.text) as { outcome?: unknown }).outcome).toEqual(expect.any(String));
    await demo.waitForStatus('dppe', 'completed');

    const history = await demo.history('dppe');
    for (const action of ['accept', 'start', 'complete']) {
      expect(entries(history, action), action).toEqual([expect.objectContaining({ channel: 'sms', actorFocalPointId: focalPointIds.dppe })]);
    }
    await demo.waitForLeadMessages('dppe', 'completed');
  });

  it('the same callback delivered again (same id) does nothing: no second step, no second reply', async () => {
    const phone = fpPhone('dppe');
    const before = smsTo(phone).length;
    const historyBefore = await demo.history('dppe');
    await reply(phone, `ok ${demo.referral('dppe').replyCode ?? ''}`, okMessageId);
    // Were it taken again, `ok` on a completed referral would be answered (not allowed): give it time to show.
    await sleep(2_500);
    expect(smsTo(phone).slice(before).map((m) => m.text)).toEqual([]);
    expect(await demo.history('dppe')).toEqual(historyBefore);
    expect(entries(historyBefore, 'acknowledge')).toHaveLength(1);
  });

  it('`AIDE` is answered with the commands, and changes nothing', async () => {
    const phone = fpPhone('dppe');
    const before = smsTo(phone).length;
    const historyBefore = await demo.history('dppe');
    await reply(phone, 'AIDE');
    const help = await nextSms(phone, before, 'the help SMS');
    expect(help.text).toMatch(/OK/);
    expect(help.text).toMatch(/NON/);
    expect(help.text.length).toBeLessThanOrEqual(480);
    expect(await demo.history('dppe')).toEqual(historyBefore);
  });
});

describe('declining by SMS, strangers and wrong codes', () => {
  let demo: DemoCase;

  it('a reply from an unknown number, or from another organisation’s focal point, gets a neutral answer and changes nothing', async () => {
    demo = await openCase(hub);
    await demo.refer('clinic');
    const referral = demo.referral('clinic');
    const replyCode = referral.replyCode ?? '';
    await newReferralSms(demo, 'clinic');

    await reply(STRANGER, `OK ${replyCode}`);
    const neutral = await nextSms(STRANGER, 0, 'the answer to an unknown number');
    await reply(OTHER_ORG_FOCAL_POINT, `OK ${replyCode}`);
    const unknownCode = await nextSms(OTHER_ORG_FOCAL_POINT, 0, 'the answer to another organisation');
    // Nothing about the referral: a guess learns nothing (the other focal point may be reminded of the code he typed).
    expect(neutral.text).not.toContain(replyCode);
    for (const answer of [neutral, unknownCode]) {
      expect(answer.text).not.toContain(referral.code);
      expect(answer.text).not.toContain(demo.services.clinic?.chosen.name.fr ?? '-');
      expect(answer.text).not.toContain(demo.services.clinic?.chosen.name.en ?? '-');
    }
    await sleep(1_000);
    expect((await referralNow(demo, 'clinic')).status).toBe('submitted');
    expect((await demo.history('clinic')).map((e) => e.action)).toEqual(['create', 'submit']);
  });

  it('a Failed delivery report of the focal point’s SMS: the same message goes to her by e-mail, in her language, and the log shows the SMS failed', async () => {
    const referral = demo.referral('clinic');
    const sms = await newReferralSms(demo, 'clinic');
    const fp = demo.people.clinicFocalPoint;
    // SMS only: nothing went to her by e-mail.
    expect(hub.smtp.received.filter((m) => m.to === fp.email && m.text.includes(referral.code))).toEqual([]);

    const report = await hub.callbacks.deliveryReport({ id: sms.messageId, status: 'Failed', phoneNumber: sms.to, failureReason: 'AbsentSubscriber', retryCount: 2 });
    expect(report.status, report.text).toBe(200);
    const fallback = await waitUntil('the e-mail fallback', () => hub.smtp.received.find((m) => m.to === fp.email && `${m.subject ?? ''}\n${m.text}`.includes(referral.code)));
    expect(fallback.language).toBe('en');
    const deliveries = await waitUntil('the SMS logged failed', async () => {
      const list = await demo.deliveries('clinic');
      const mine = list.find((d) => d.providerMessageId === sms.messageId);
      return mine?.status === 'failed' ? list : undefined;
    });
    expect(deliveries.filter((d) => d.channel === 'email' && d.recipientRole === 'focal_point')).toHaveLength(1);

    // A report for a message the hub never sent is taken and changes nothing.
    const unknown = await hub.callbacks.deliveryReport({ id: `ATXid_${randomBytes(16).toString('hex')}`, status: 'Success', phoneNumber: sms.to });
    expect(unknown.status).toBe(200);
    // A wrong key: as if the callbacks did not exist.
    const wrongKey = await hub.callbacks.raw('/delivery-reports/africastalking', { key: randomBytes(32).toString('base64url'), form: { id: sms.messageId, status: 'Success', phoneNumber: sms.to } });
    expect(wrongKey.status).toBe(404);
  });

  it('`NON <code> capacite` declines with reason no_capacity, confirmed in English to the English-speaking focal point', async () => {
    const referral = demo.referral('clinic');
    const replyCode = referral.replyCode ?? '';
    const phone = fpPhone('clinic');
    const before = smsTo(phone).length;
    await reply(phone, `NON ${replyCode} capacite`);
    await demo.waitForStatus('clinic', 'declined');
    const [decline] = entries(await demo.history('clinic'), 'decline');
    expect(decline).toMatchObject({ channel: 'sms', actorFocalPointId: focalPointIds.clinic, reasonCode: 'no_capacity' });
    const confirmation = await nextSms(phone, before, 'the decline confirmation', (m) => m.text.includes(referral.code) || m.text.includes(replyCode));
    expect(looksEnglish(confirmation.text), confirmation.text).toBe(true);
  });

  it('an SMS the provider refuses at once (InvalidPhoneNumber) goes to the focal point by e-mail instead, in her language; the log shows the SMS failed', async () => {
    const phone = fpPhone('clinic');
    hub.africasTalking.refuse(phone, 403);
    try {
      const demo = await openCase(hub);
      await demo.refer('clinic');
      const referral = demo.referral('clinic');
      const fp = demo.people.clinicFocalPoint;
      const fallback = await waitUntil('the e-mail in place of the refused SMS', () => hub.smtp.received.find((m) => m.to === fp.email && `${m.subject ?? ''}\n${m.text}`.includes(referral.code)));
      expect(fallback.language).toBe('en');
      expect(hub.africasTalking.refusedMessages.filter((m) => m.text.includes(referral.code))).toHaveLength(1);
      expect(smsTo(phone).filter((m) => m.text.includes(referral.code))).toEqual([]);
      const deliveries = await waitUntil('the refused SMS logged failed', async () => {
        const list = await demo.deliveries('clinic');
        return list.some((d) => d.channel === 'sms' && d.recipientRole === 'focal_point' && d.status === 'failed') ? list : undefined;
      });
      expect(deliveries.filter((d) => d.channel === 'email' && d.recipientRole === 'focal_point')).toHaveLength(1);
    } finally {
      hub.africasTalking.refuse(phone, undefined);
    }
  });

  it('a Success delivery report marks the focal point’s SMS delivered in the delivery log', async () => {
    const first = await openCase(hub);
    await first.refer('dppe');
    const sms = await newReferralSms(first, 'dppe');
    const report = await hub.callbacks.deliveryReport({ id: sms.messageId, status: 'Success', phoneNumber: sms.to });
    expect(report.status, report.text).toBe(200);
    const delivered = await waitUntil('the SMS logged delivered', async () => {
      const mine = (await first.deliveries('dppe')).find((d) => d.providerMessageId === sms.messageId);
      return (mine?.status as string | undefined) === 'delivered' ? mine : undefined;
    });
    expect(delivered).toMatchObject({ channel: 'sms', recipientRole: 'focal_point' });
  });
});

describe('USSD', () => {
  /** Picks the numbered line of a screen that matches, e.g. `3 Refuser` -> '3'. */
  function option(screen: string, match: RegExp): string | undefined {
    for (const line of screen.split('\n')) {
      const found = /^\s*([0-9]{1,2})[.):-]?\s+(.*)$/.exec(line);
      if (found !== null && match.test(found[2] ?? '')) return found[1];
    }
    return undefined;
  }

  it('a focal point dials the code, picks the referral and declines it with a reason, every screen CON/END and at most 182 characters', async () => {
    const demo = await openCase(hub);
    await demo.refer('dppe');
    const referral = demo.referral('dppe');
    const replyCode = referral.replyCode ?? '';
    const sessionId = `ATUid_${randomBytes(12).toString('hex')}`;
    const phone = fpPhone('dppe');
    const chosen: string[] = [];
    const screens: string[] = [];
    let screen = '';
    for (let step = 0; step < 8; step += 1) {
      const text = chosen.join('*');
      sentToHub.push(text);
      const answer = await hub.callbacks.ussd({ sessionId, phoneNumber: phone, text });
      expect(answer.status, answer.text).toBe(200);
      expect(answer.contentType).toMatch(/^text\/plain/);
      screen = answer.text;
      screens.push(screen);
      ussdScreens.push(screen);
      expect(screen, screen).toMatch(/^(CON|END) /);
      expect(screen.length, screen).toBeLessThanOrEqual(182);
      if (screen.startsWith('END ')) break;
      const next =
        option(screen, new RegExp(`${referral.code}|${replyCode}`)) ??
        option(screen, /capacit/i) ??
        option(screen, /refus|d[ée]clin/i) ??
        option(screen, /confirm|^oui\b|^yes\b/i);
      if (next === undefined) throw new Error(`no way forward on the screen:\n${screen}`);
      chosen.push(next);
    }
    expect(screens[0]).toMatch(/^CON /);
    expect(screens[0]).toMatch(new RegExp(`${referral.code}|${replyCode}`));
    expect(screen).toMatch(/^END /);
    const declined = await demo.waitForStatus('dppe', 'declined');
    expect(declined.status).toBe('declined');
    const [decline] = entries(await demo.history('dppe'), 'decline');
    expect(decline).toMatchObject({ channel: 'ussd', actorFocalPointId: focalPointIds.dppe, reasonCode: 'no_capacity' });
  });

  it('the English-speaking focal point’s menu is in English', async () => {
    const answer = await hub.callbacks.ussd({ sessionId: `ATUid_${randomBytes(12).toString('hex')}`, phoneNumber: fpPhone('clinic'), text: '' });
    ussdScreens.push(answer.text);
    expect(answer.status).toBe(200);
    expect(answer.text).toMatch(/^(CON|END) /);
    expect(answer.text).toMatch(/Waiting|No referral/);
    expect(answer.text).not.toMatch(/En attente|Aucun/);
    expect(answer.text.length).toBeLessThanOrEqual(182);
  });

  it('a stranger dialling the code is told nothing and the session ends', async () => {
    const answer = await hub.callbacks.ussd({ sessionId: `ATUid_${randomBytes(12).toString('hex')}`, phoneNumber: STRANGER, text: '' });
    ussdScreens.push(answer.text);
    expect(answer.status).toBe(200);
    expect(answer.text).toMatch(/^END /);
    expect(answer.text).not.toMatch(/REF-[0-9A-Z]{5}/);
    expect(answer.text.length).toBeLessThanOrEqual(182);
  });
});

describe('e-mail action links', () => {
  type ActionLink = R['ActionLink'];
  type ActionLinkResult = R['ActionLinkResult'];

  const getLink = async (token: string): Promise<ActionLink> => {
    const response = await fetch(`${hub.endpoints.referralsUrl}/v1/action-links/${encodeURIComponent(token)}`);
    expect(response.status).toBe(200);
    return (await response.json()) as ActionLink;
  };
  const postLink = async (token: string, body: Record<string, string> = {}): Promise<{ status: number; body: unknown }> => {
    const response = await fetch(`${hub.endpoints.referralsUrl}/v1/action-links/${encodeURIComponent(token)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json().catch(() => undefined) };
  };

  it('the focal point’s e-mail carries the links; a scanner’s GETs change nothing; the POST acknowledges once, then `used`', async () => {
    const demo = await openCase(hub);
    await demo.refer('dppe');
    const referral = demo.referral('dppe');
    const fp = demo.people.dppeFocalPoint;
    const email = await waitUntil('the new-referral e-mail to the focal point', () => hub.smtp.received.find((m) => m.to === fp.email && m.text.includes(referral.code)));
    const tokens = [...new Set([...email.text.matchAll(/\/a\/([A-Za-z0-9_-]{20,100})/g)].map((m) => m[1] ?? ''))];
    expect(tokens.length).toBeGreaterThanOrEqual(3);

    // What a mail scanner does: follow every link, twice.
    const byAction = new Map<string, string>();
    for (const token of tokens) {
      const link = await getLink(token);
      expect(link).toMatchObject({ state: 'valid', language: 'fr', referral: { code: referral.code, status: 'submitted' } });
      for (const text of CHILD_TEXTS) expect(JSON.stringify(link)).not.toContain(text);
      if (link.action !== null) byAction.set(link.action, token);
      await getLink(token);
    }
    expect([...byAction.keys()].sort()).toEqual(['accept', 'acknowledge', 'decline']);
    expect((await referralNow(demo, 'dppe')).status).toBe('submitted');
    expect((await demo.history('dppe')).map((e) => e.action)).toEqual(['create', 'submit']);

    // A decline needs its reason: refused naming the field, and the link is not used up.
    const decline = byAction.get('decline') ?? '';
    const noReason = await postLink(decline);
    expect(noReason.status).toBe(400);
    expect(JSON.stringify(noReason.body)).toContain('body.reasonCode');
    expect((await getLink(decline)).state).toBe('valid');

    // A tampered token is invalid, and changes nothing.
    const acknowledge = byAction.get('acknowledge') ?? '';
    const tampered = `${acknowledge.slice(0, -2)}${acknowledge.endsWith('AA') ? 'BB' : 'AA'}`;
    expect((await getLink(tampered)).state).toBe('invalid');
    expect(((await postLink(tampered)).body as ActionLinkResult).outcome).toBe('invalid');

    // The person presses the button.
    const done = await postLink(acknowledge);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ outcome: 'done', action: 'acknowledge', referral: { code: referral.code, status: 'acknowledged' } });
    const again = await postLink(acknowledge);
    expect((again.body as ActionLinkResult).outcome).toBe('used');
    expect((await getLink(acknowledge)).state).toBe('used');

    const history = await demo.history('dppe');
    expect(entries(history, 'acknowledge')).toEqual([expect.objectContaining({ channel: 'email_link', actorFocalPointId: focalPointIds.dppe })]);
    await demo.waitForLeadMessages('dppe', 'acknowledged');
  });
});

describe('rate limit per number', () => {
  it('a number that floods the hub is answered up to the limit, told once to wait, then ignored', async () => {
    const flooder = '+25779000998';
    for (let i = 0; i < RATE_LIMIT + 3; i += 1) await reply(flooder, `OK ${1000 + i}`);
    await waitUntil('an answer to each message within the limit, and one more', () => (smsTo(flooder).length >= RATE_LIMIT + 1 ? true : undefined));
    await sleep(1_500);
    const texts = smsTo(flooder).map((m) => m.text);
    expect(texts).toHaveLength(RATE_LIMIT + 1);
    expect(new Set(texts.slice(0, RATE_LIMIT)).size).toBe(1);
    expect(texts[RATE_LIMIT]).not.toBe(texts[0]);
  });
});

describe('when the referrals service is down', () => {
  it('an SMS reply is refused with 503 so that the provider sends it again; sent again once referrals is back, it acknowledges once', async () => {
    const demo = await openCase(hub);
    await demo.refer('dppe');
    await newReferralSms(demo, 'dppe');
    const referral = demo.referral('dppe');
    const phone = fpPhone('dppe');
    const before = smsTo(phone).length;
    await hub.stop('referrals');
    try {
      sentToHub.push(`OK ${referral.replyCode ?? ''}`);
      const refused = await hub.callbacks.incomingSms({ from: phone, text: `OK ${referral.replyCode ?? ''}` });
      expect(refused.status, refused.text).toBe(503);
      await hub.start('referrals');
      // Africa's Talking retries with the same message id.
      await reply(phone, `OK ${referral.replyCode ?? ''}`, refused.id);
    } finally {
      if (hub.process('referrals').hasExited()) await hub.start('referrals');
    }
    await demo.waitForStatus('dppe', 'acknowledged');
    await nextSms(phone, before, 'the confirmation', (m) => m.text.includes(referral.code));
    await sleep(1_000);
    expect(smsTo(phone).slice(before)).toHaveLength(1);
    expect(entries(await demo.history('dppe'), 'acknowledge')).toEqual([expect.objectContaining({ channel: 'sms' })]);
  });
});

describe('no child data', () => {
  it('no SMS, e-mail to a focal point, USSD screen or text sent to the hub carries the child’s details', () => {
    const focalPointEmails = new Set([people.people.dppeFocalPoint.email, people.people.clinicFocalPoint.email]);
    const texts = [
      ...hub.africasTalking.received.map((m) => m.text),
      ...hub.africasTalking.refusedMessages.map((m) => m.text),
      ...hub.smtp.received.filter((m) => focalPointEmails.has(m.to)).flatMap((m) => [m.subject ?? '', m.text, m.html]),
      ...ussdScreens,
      ...sentToHub,
    ];
    expect(hub.africasTalking.received.length).toBeGreaterThan(10);
    expect(ussdScreens.length).toBeGreaterThan(2);
    for (const text of texts) {
      for (const child of CHILD_TEXTS) expect(text).not.toContain(child);
    }
    // The fake provider refused nothing: the hub sent with the right credentials.
    expect(hub.africasTalking.refused).toBe(0);
  });
});
