import { randomInt, randomUUID } from 'node:crypto';
import { verifyAuditChain } from '@referral-hub/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_TABLES } from '../src/data-access/audit-tables.js';
import { ACTION_LINK_MAX_TTL_SECONDS } from '../src/config.js';
import { forgetPhoneRequests, PHONE_REQUEST_KEPT_MS } from '../src/domain/forget-phone-requests.js';
import { forgetUsedActionLinks, USED_ACTION_LINK_KEPT_MS } from '../src/domain/forget-used-action-links.js';
import type { NotificationContext } from '../src/domain/get-notification-context.js';
import type { HistoryEntry } from '../src/domain/get-referral-history.js';
import type { PhoneActionResult, PhoneInbox } from '../src/domain/phone-actions.js';
import type { ReferralView } from '../src/domain/referral.js';
import { drawReplyCode } from '../src/domain/reply-code.js';
import type { ActionLink, ActionLinkResult } from '../src/domain/use-action-link.js';
import { as, client, givenConsentedCase, HUB_ORG, json, PAYLOAD, startHarness } from './harness.js';
import type { Harness } from './harness.js';

/**
 * Acting on a referral from any phone (issue 15), over the real service, PostgreSQL, RabbitMQ and consent:
 * reply codes drawn at submit, email action links (public, signed, single-use), SMS/USSD actions relayed by the
 * notifications service, all through the console's own transition, recorded with the channel.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness('referrals-phone-channels', {
    extraEnv: { NOTIFICATION_CLIENT_SUBJECTS: 'notifications-service', HUB_ORGANIZATION_ID: HUB_ORG },
  });
});
afterAll(async () => {
  await h?.close();
});

const api = client(() => ({ testEnv: h.testEnv, url: h.referrals.url }));
const notifications = as('system', HUB_ORG, 'notifications-service', { client_id: 'notifications-service' });
const phoneOf = () => `+257 7${randomInt(0, 10)} ${randomInt(100, 1000)} ${randomInt(100, 1000)}`;
/** The phone as the provider sends it: the same digits, written another way. */
const asProviderSends = (phone: string) => phone.replaceAll(' ', '');

type FocalPoint = { id: string; organizationId: string; serviceId: string | null; phone: string; preferredLanguage: 'fr' | 'en' };

/** A focal point of `organizationId` in the read model, as the directory details refresher writes it. */
async function givenFocalPoint(organizationId: string, options: { serviceId?: string | null; preferredLanguage?: 'fr' | 'en'; phone?: string } = {}): Promise<FocalPoint> {
  const focalPoint = {
    id: randomUUID(),
    organizationId,
    serviceId: options.serviceId ?? null,
    name: 'Mariam Coulibaly',
    email: 'mariam@aide-nord.example',
    phone: options.phone ?? phoneOf(),
    preferredLanguage: options.preferredLanguage ?? 'en',
    version: 1,
    fetchedAt: new Date(),
  };
  await h.referrals.db.client.knownFocalPoint.create({ data: focalPoint });
  return focalPoint as FocalPoint;
}

type Given = { owner: string; recipient: string; caseCode: string; serviceId: string; lead: ReturnType<typeof as>; focalPoint: FocalPoint };

/** Two organisations with consent in force, the recipient's service named in the read model, and one of its focal points. */
async function givenNetwork(options: { preferredLanguage?: 'fr' | 'en' } = {}): Promise<Given> {
  const { owner, recipient, caseCode, serviceId } = await givenConsentedCase(h);
  await h.referrals.db.client.knownService.update({ where: { id: serviceId }, data: { name: { fr: 'Soutien psychosocial', en: 'Psychosocial support' } } });
  const focalPoint = await givenFocalPoint(recipient, { serviceId, preferredLanguage: options.preferredLanguage ?? 'en' });
  return { owner, recipient, caseCode, serviceId, lead: as('caseworker', owner), focalPoint };
}

async function draft(g: Given, urgency: 'high' | 'medium' | 'low' = 'high'): Promise<ReferralView> {
  return json<ReferralView>(
    await api('POST', '/v1/referrals', g.lead, {
      caseCode: g.caseCode,
      recipientOrganizationId: g.recipient,
      recipientServiceId: g.serviceId,
      urgency,
      need: { category: 'psychosocial_distress', text: 'Besoin confidentiel' },
      payload: PAYLOAD,
    }),
    201,
  );
}

async function submitted(g: Given, urgency: 'high' | 'medium' | 'low' = 'high'): Promise<ReferralView> {
  const d = await draft(g, urgency);
  return json<ReferralView>(await api('POST', `/v1/referrals/${d.id}/submit`, g.lead, {}), 200);
}

async function linksOf(referralId: string, focalPointId: string) {
  const context = await json<NotificationContext>(await api('GET', `/v1/referrals/${referralId}/notification-context`, notifications), 200);
  const links = context.focalPoints.find((fp) => fp.id === focalPointId)?.actionLinks;
  if (links === null || links === undefined) throw new Error('no action links');
  return links;
}

const getLink = async (token: string) => json<ActionLink>(await api('GET', `/v1/action-links/${token}`, null), 200);
const postLink = (token: string, body: unknown = {}) => api('POST', `/v1/action-links/${token}`, null, body);
const history = async (g: Given, id: string) => (await json<{ items: HistoryEntry[] }>(await api('GET', `/v1/referrals/${id}/history`, g.lead), 200)).items;
const statusOf = async (id: string) => (await h.referrals.db.client.referral.findUniqueOrThrow({ where: { id } })).status;
const phoneAction = (body: Record<string, unknown>, caller = notifications) => api('POST', '/v1/phone-actions', caller, body);
const eventsOf = (id: string) => h.tap.events().filter((e) => e.subject === id);

describe('reply codes', () => {
  it('are drawn at submit, four digits, shown in the referral, the lists and the notification context', async () => {
    const g = await givenNetwork();
    const d = await draft(g);
    expect(d.replyCode).toBeNull();
    const sent = await json<ReferralView>(await api('POST', `/v1/referrals/${d.id}/submit`, g.lead, {}), 200);
    expect(sent.replyCode).toMatch(/^[1-9][0-9]{3}$/);
    const read = await json<ReferralView>(await api('GET', `/v1/referrals/${d.id}`, as('focal_point', g.recipient)), 200);
    expect(read.replyCode).toBe(sent.replyCode);
    const list = await json<{ items: { id: string; replyCode: string | null }[] }>(await api('GET', '/v1/referrals?box=received', as('focal_point', g.recipient)), 200);
    expect(list.items.find((item) => item.id === d.id)?.replyCode).toBe(sent.replyCode);
    const context = await json<NotificationContext>(await api('GET', `/v1/referrals/${d.id}/notification-context`, notifications), 200);
    expect(context.replyCode).toBe(sent.replyCode);
  });

  it('are distinct among the open referrals of one recipient, and not in sequence', async () => {
    const g = await givenNetwork();
    const codes = [];
    for (let i = 0; i < 8; i += 1) codes.push((await submitted(g)).replyCode);
    expect(new Set(codes).size).toBe(8);
    const numbers = codes.map(Number).sort((a, b) => a - b);
    // Eight random draws out of 9000 are not eight consecutive numbers.
    expect(numbers.at(-1)! - numbers[0]!).toBeGreaterThan(7);
  });

  it('are drawn at random, drawn again on a collision, and lengthen when four digits keep colliding', () => {
    const draws = Array.from({ length: 2000 }, () => drawReplyCode(new Set()));
    expect(draws.every((code) => /^[1-9][0-9]{3}$/.test(code))).toBe(true);
    expect(new Set(draws).size).toBeGreaterThan(1500);
    // Each draw independent of the last: not a counter.
    expect(draws.filter((code, i) => i > 0 && Number(code) === Number(draws[i - 1]) + 1).length).toBeLessThan(10);
    const taken = new Set(['4821']);
    const scripted = [4821, 4821, 1234];
    expect(drawReplyCode(taken, () => scripted.shift() ?? 0)).toBe('1234');
    // Every four-digit draw taken: five digits.
    let calls = 0;
    const fiveDigit = drawReplyCode(taken, (min) => (calls++, min === 1000 ? 4821 : 52817));
    expect(fiveDigit).toBe('52817');
    expect(calls).toBe(26);
  });

  it('are held by one open referral of an organisation at a time, and free again once it is no longer open', async () => {
    const g = await givenNetwork();
    const first = await submitted(g);
    const second = await submitted(g);
    const db = h.referrals.db.client;
    const code = first.replyCode ?? '';
    await expect(db.referral.update({ where: { id: second.id }, data: { replyCode: code } })).rejects.toThrow();
    // Another organisation's open referral may hold the same code.
    const other = await givenNetwork();
    const elsewhere = await submitted(other);
    await db.referral.update({ where: { id: elsewhere.id }, data: { replyCode: code } });
    // Declined (no longer open): the code is free for the organisation's other referrals.
    await json(await api('POST', `/v1/referrals/${first.id}/decline`, as('focal_point', g.recipient), { reasonCode: 'no_capacity' }), 200);
    await db.referral.update({ where: { id: second.id }, data: { replyCode: code } });
    expect((await db.referral.findUniqueOrThrow({ where: { id: second.id } })).replyCode).toBe(code);
  });
});

describe('email action links', () => {
  it('GET only reads; the POST acknowledges as that focal point, through an email link, with the console\'s event', async () => {
    const g = await givenNetwork();
    const r = await submitted(g);
    const links = await linksOf(r.id, g.focalPoint.id);
    expect(links.acknowledge.length).toBeLessThanOrEqual(100);
    const historyBefore = (await history(g, r.id)).length;
    for (let i = 0; i < 3; i += 1) {
      const seen = await getLink(links.acknowledge);
      expect(seen).toEqual({
        state: 'valid',
        action: 'acknowledge',
        language: 'en',
        referral: {
          code: r.code,
          replyCode: r.replyCode,
          status: 'submitted',
          urgency: 'high',
          serviceName: { fr: 'Soutien psychosocial', en: 'Psychosocial support' },
          referringOrganizationName: null,
          recipientOrganizationName: null,
          dueAt: r.acknowledgeDueAt,
        },
        declineReasons: expect.arrayContaining([{ code: 'other', labels: { fr: 'Autre motif (à préciser)', en: 'Other (please explain)' }, requiresNote: true }]),
      });
      expect(JSON.stringify(seen)).not.toMatch(/Amani|asthma|Besoin|psychosocial_distress/);
    }
    // A scanner's GETs changed nothing.
    expect(await statusOf(r.id)).toBe('submitted');
    expect(await history(g, r.id)).toHaveLength(historyBefore);
    expect(await h.referrals.db.client.actionLinkUse.count({ where: { referralId: r.id } })).toBe(0);

    const done = await json<ActionLinkResult>(await postLink(links.acknowledge), 200);
    expect(done).toMatchObject({ outcome: 'done', action: 'acknowledge', language: 'en', referral: { code: r.code, status: 'acknowledged' } });
    const steps = await history(g, r.id);
    expect(steps.at(-1)).toMatchObject({
      action: 'acknowledge',
      toStatus: 'acknowledged',
      channel: 'email_link',
      actorFocalPointId: g.focalPoint.id,
      actor: { userId: `focal-point:${g.focalPoint.id}`, organizationId: g.recipient },
    });
    expect(steps[0]).toMatchObject({ channel: 'api', actorFocalPointId: null });
    const [event] = await h.tap.waitFor(() => eventsOf(r.id).some((e) => e.type === 'referral.acknowledged'));
    expect(eventsOf(r.id).find((e) => e.type === 'referral.acknowledged')?.data).toMatchObject({
      status: 'acknowledged',
      previousStatus: 'submitted',
      actor: { userId: `focal-point:${g.focalPoint.id}`, organizationId: g.recipient },
    });
    expect(event).toBeDefined();

    // Used once: again it is `used`, and changes nothing.
    expect(await json<ActionLinkResult>(await postLink(links.acknowledge), 200)).toMatchObject({ outcome: 'used', referral: null });
    expect(await getLink(links.acknowledge)).toMatchObject({ state: 'used', referral: null });
    expect(await history(g, r.id)).toHaveLength(steps.length);
  });

  it('a tampered, truncated, malformed or foreign token is invalid, on GET and POST alike, and reveals nothing', async () => {
    const g = await givenNetwork();
    const r = await submitted(g);
    const { acknowledge } = await linksOf(r.id, g.focalPoint.id);
    const flip = (token: string, at: number) => `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
    const bad = [flip(acknowledge, 5), flip(acknowledge, acknowledge.length - 3), acknowledge.slice(0, -2), `${acknowledge}AA`, 'abc', 'x'.repeat(900), '%E2%9C%93'];
    const invalid = { state: 'invalid', action: null, language: 'fr', referral: null, declineReasons: expect.any(Array) };
    for (const token of bad) {
      expect(await getLink(token), token).toEqual(invalid);
      expect(await json<ActionLinkResult>(await postLink(token), 200), token).toEqual({ outcome: 'invalid', action: null, language: 'fr', referral: null });
    }
    // A token signed with another key is not this service's.
    const foreign = Buffer.from(acknowledge, 'base64url');
    foreign.fill(7, foreign.length - 16);
    expect((await getLink(foreign.toString('base64url'))).state).toBe('invalid');
    expect(await statusOf(r.id)).toBe('submitted');
  });

  it('an expired link, or one whose focal point is no longer the recipient organisation\'s, does nothing', async () => {
    const g = await givenNetwork();
    const r = await submitted(g);
    const signer = h.referrals.deps.actionLinks;
    const past = new Date(Date.now() - (signer.ttlSeconds + 60) * 1000);
    const expired = signer.sign({ referralId: r.id, focalPointId: g.focalPoint.id, action: 'acknowledge' }, past).token;
    expect(await getLink(expired)).toMatchObject({ state: 'expired', action: 'acknowledge', language: 'en', referral: null });
    expect(await json<ActionLinkResult>(await postLink(expired), 200)).toMatchObject({ outcome: 'expired', referral: null });
    // Genuinely signed, but for a focal point of another organisation: not one who may act on this referral.
    const outsider = await givenFocalPoint(randomUUID());
    const wrongPerson = signer.sign({ referralId: r.id, focalPointId: outsider.id, action: 'acknowledge' }, new Date()).token;
    expect((await getLink(wrongPerson)).state).toBe('invalid');
    expect((await json<ActionLinkResult>(await postLink(wrongPerson), 200)).outcome).toBe('invalid');
    // The right person's link, after the directory dropped them.
    const { acknowledge } = await linksOf(r.id, g.focalPoint.id);
    await h.referrals.db.client.knownFocalPoint.delete({ where: { id: g.focalPoint.id } });
    expect((await getLink(acknowledge)).state).toBe('invalid');
    expect((await json<ActionLinkResult>(await postLink(acknowledge), 200)).outcome).toBe('invalid');
    expect(await statusOf(r.id)).toBe('submitted');
  });

  it('of two POSTs of one link at once, one is done and the other used; accept from submitted acknowledges then accepts', async () => {
    const g = await givenNetwork();
    const r = await submitted(g);
    const { accept } = await linksOf(r.id, g.focalPoint.id);
    if (accept === null) throw new Error('a referral has an accept link');
    const outcomes = await Promise.all([postLink(accept), postLink(accept)].map(async (p) => (await json<ActionLinkResult>(await p, 200)).outcome));
    expect(outcomes.sort()).toEqual(['done', 'used']);
    const steps = (await history(g, r.id)).filter((s) => s.channel === 'email_link');
    expect(steps.map((s) => [s.action, s.fromStatus, s.toStatus])).toEqual([
      ['acknowledge', 'submitted', 'acknowledged'],
      ['accept', 'acknowledged', 'accepted'],
    ]);
    await h.tap.waitFor(() => eventsOf(r.id).some((e) => e.type === 'referral.accepted'));
    expect(eventsOf(r.id).map((e) => e.type)).toEqual(['referral.submitted', 'referral.acknowledged', 'referral.accepted']);
  });

  it('a decline needs a reason of the catalogue (400 naming it), the link staying unused, and a note when the reason asks for one', async () => {
    const g = await givenNetwork();
    const r = await submitted(g);
    const { decline } = await linksOf(r.id, g.focalPoint.id);
    const missing = await json<{ errors: { field: string }[] }>(await postLink(decline, {}), 400);
    expect(missing.errors.map((e) => e.field)).toEqual(['body.reasonCode']);
    const unknown = await json<{ errors: { field: string }[] }>(await postLink(decline, { reasonCode: 'tired' }), 400);
    expect(unknown.errors.map((e) => e.field)).toEqual(['body.reasonCode']);
    const noNote = await json<{ errors: { field: string }[] }>(await postLink(decline, { reasonCode: 'other', note: '   ' }), 400);
    expect(noNote.errors.map((e) => e.field)).toEqual(['body.note']);
    expect((await getLink(decline)).state).toBe('valid');
    expect(await statusOf(r.id)).toBe('submitted');
    const done = await json<ActionLinkResult>(await postLink(decline, { reasonCode: 'other', note: 'Plus de place ce mois-ci' }), 200);
    expect(done).toMatchObject({ outcome: 'done', action: 'decline', referral: { status: 'declined' } });
    expect((await history(g, r.id)).at(-1)).toMatchObject({ action: 'decline', reasonCode: 'other', note: 'Plus de place ce mois-ci', channel: 'email_link' });
  });

  it('a link whose step the referral no longer allows is not_allowed, shows the referral, and stays unused', async () => {
    const g = await givenNetwork();
    const r = await submitted(g);
    const { acknowledge, decline } = await linksOf(r.id, g.focalPoint.id);
    await json(await api('POST', `/v1/referrals/${r.id}/acknowledge`, as('focal_point', g.recipient)), 200);
    expect(await getLink(acknowledge)).toMatchObject({ state: 'not_allowed', referral: { code: r.code, status: 'acknowledged' } });
    expect(await json<ActionLinkResult>(await postLink(acknowledge), 200)).toMatchObject({ outcome: 'not_allowed', referral: { status: 'acknowledged' } });
    expect(await h.referrals.db.client.actionLinkUse.count({ where: { referralId: r.id } })).toBe(0);
    // Declining an acknowledged referral is still allowed.
    expect((await json<ActionLinkResult>(await postLink(decline, { reasonCode: 'no_capacity' }), 200)).outcome).toBe('done');
  });
});

describe('a case transfer', () => {
  it('is acknowledged and declined from a phone or a link, but accepted only in the console: it makes the accepter the lead', async () => {
    const g = await givenNetwork({ preferredLanguage: 'fr' });
    const d = await json<ReferralView>(
      await api('POST', '/v1/referrals', g.lead, {
        kind: 'transfer',
        caseCode: g.caseCode,
        recipientOrganizationId: g.recipient,
        recipientServiceId: g.serviceId,
        urgency: 'high',
        need: { category: 'psychosocial_distress', text: 'Besoin confidentiel' },
        payload: PAYLOAD,
      }),
      201,
    );
    // The consent on file covers referrals, not transfers: the envelope alone goes, which is all a phone needs.
    const r = await json<ReferralView>(await api('POST', `/v1/referrals/${d.id}/submit`, g.lead, { envelopeOnly: true }), 200);
    const links = await linksOf(r.id, g.focalPoint.id);
    expect(links.accept).toBeNull();
    const phone = asProviderSends(g.focalPoint.phone);
    const byPhone = await json<PhoneActionResult>(await phoneAction({ channel: 'sms', phone, replyCode: r.replyCode, action: 'accept', requestKey: randomUUID() }), 200);
    expect(byPhone).toMatchObject({ outcome: 'console_only', language: 'fr', referral: { code: r.code, status: 'submitted' } });
    expect(await statusOf(r.id)).toBe('submitted');
    // Acknowledging it by SMS is the focal point's, as for any referral; the link to accept is never issued.
    const ack = await json<PhoneActionResult>(await phoneAction({ channel: 'sms', phone, replyCode: r.replyCode, action: 'acknowledge', requestKey: randomUUID() }), 200);
    expect(ack.outcome).toBe('done');
    const ussd = await json<PhoneActionResult>(await phoneAction({ channel: 'ussd', phone, replyCode: r.replyCode, action: 'accept', requestKey: randomUUID() }), 200);
    expect(ussd.outcome).toBe('console_only');
    expect(await statusOf(r.id)).toBe('acknowledged');
    expect((await h.referrals.db.client.referral.findUniqueOrThrow({ where: { id: r.id } })).leadOrganizationId).not.toBe(g.recipient);
  });
});

describe('POST /v1/phone-actions', () => {
  it('acknowledges by SMS for a focal point whose phone is written another way; the same request again is already_done', async () => {
    const g = await givenNetwork({ preferredLanguage: 'fr' });
    const r = await submitted(g);
    const requestKey = `africastalking:${randomUUID()}`;
    const body = { channel: 'sms', phone: asProviderSends(g.focalPoint.phone), replyCode: r.replyCode, action: 'acknowledge', requestKey };
    const first = await json<PhoneActionResult>(await phoneAction(body), 200);
    expect(first).toEqual({
      outcome: 'done',
      language: 'fr',
      referral: { code: r.code, replyCode: r.replyCode, status: 'acknowledged', serviceName: { fr: 'Soutien psychosocial', en: 'Psychosocial support' } },
    });
    const steps = await history(g, r.id);
    expect(steps.at(-1)).toMatchObject({ action: 'acknowledge', channel: 'sms', actorFocalPointId: g.focalPoint.id, actor: { userId: `focal-point:${g.focalPoint.id}` } });
    const again = await json<PhoneActionResult>(await phoneAction(body), 200);
    expect(again).toEqual({ ...first, outcome: 'already_done' });
    expect(await history(g, r.id)).toHaveLength(steps.length);
  });

  it('answers unknown_sender for a number no focal point has', async () => {
    const g = await givenNetwork();
    const r = await submitted(g);
    const result = await json<PhoneActionResult>(
      await phoneAction({ channel: 'sms', phone: '+257 61 000 000', replyCode: r.replyCode, action: 'acknowledge', requestKey: randomUUID() }),
      200,
    );
    expect(result).toEqual({ outcome: 'unknown_sender', language: 'fr', referral: null });
    expect(await statusOf(r.id)).toBe('submitted');
  });

  it('answers another organisation\'s code exactly as a code that does not exist', async () => {
    const mine = await givenNetwork();
    const theirs = await givenNetwork();
    const theirReferral = await submitted(theirs);
    const ask = async (replyCode: string) =>
      json<PhoneActionResult>(await phoneAction({ channel: 'sms', phone: mine.focalPoint.phone, replyCode, action: 'acknowledge', requestKey: randomUUID() }), 200);
    const elsewhere = await ask(theirReferral.replyCode ?? '');
    const taken = new Set((await h.referrals.db.client.referral.findMany({ select: { replyCode: true } })).map((row) => row.replyCode));
    let nowhere = '1000';
    while (taken.has(nowhere)) nowhere = String(Number(nowhere) + 1);
    expect(elsewhere).toEqual({ outcome: 'unknown_code', language: 'en', referral: null });
    expect(await ask(nowhere)).toEqual(elsewhere);
    expect(await ask('OK')).toEqual(elsewhere);
    expect(await statusOf(theirReferral.id)).toBe('submitted');
  });

  it('refuses a step the state does not allow (with allowedFrom), and a decline without a reason it can take', async () => {
    const g = await givenNetwork();
    const r = await submitted(g);
    const ask = async (action: string, extra: Record<string, unknown> = {}) =>
      json<PhoneActionResult>(await phoneAction({ channel: 'sms', phone: g.focalPoint.phone, replyCode: r.replyCode, action, requestKey: randomUUID(), ...extra }), 200);
    expect(await ask('complete')).toMatchObject({ outcome: 'not_allowed', referral: { code: r.code, status: 'submitted' }, allowedFrom: ['accepted', 'in_progress'] });
    expect(await ask('decline')).toMatchObject({ outcome: 'reason_required', referral: { code: r.code } });
    expect(await ask('decline', { reasonCode: 'other' })).toMatchObject({ outcome: 'reason_required' });
    expect(await ask('decline', { reasonCode: 'tired' })).toMatchObject({ outcome: 'reason_required' });
    expect(await statusOf(r.id)).toBe('submitted');
    expect(await ask('decline', { reasonCode: 'no_capacity' })).toMatchObject({ outcome: 'done', referral: { status: 'declined' } });
    expect((await history(g, r.id)).at(-1)).toMatchObject({ action: 'decline', reasonCode: 'no_capacity', channel: 'sms' });
    // Declined, the referral is no longer open: its code is unknown now.
    expect((await ask('acknowledge')).outcome).toBe('unknown_code');
  });

  it('takes the implied steps, each recorded with the channel and announced: accept acknowledges first, complete starts first', async () => {
    const g = await givenNetwork();
    const r = await submitted(g);
    const ask = async (action: string) =>
      json<PhoneActionResult>(await phoneAction({ channel: 'ussd', phone: g.focalPoint.phone, replyCode: r.replyCode, action, requestKey: randomUUID() }), 200);
    expect(await ask('accept')).toMatchObject({ outcome: 'done', referral: { status: 'accepted' } });
    expect(await ask('complete')).toMatchObject({ outcome: 'done', referral: { status: 'completed' } });
    const steps = (await history(g, r.id)).filter((s) => s.channel !== 'api');
    expect(steps.map((s) => [s.action, s.toStatus, s.channel, s.actorFocalPointId])).toEqual([
      ['acknowledge', 'acknowledged', 'ussd', g.focalPoint.id],
      ['accept', 'accepted', 'ussd', g.focalPoint.id],
      ['start', 'in_progress', 'ussd', g.focalPoint.id],
      ['complete', 'completed', 'ussd', g.focalPoint.id],
    ]);
    await h.tap.waitFor(() => eventsOf(r.id).some((e) => e.type === 'referral.completed'));
    expect(eventsOf(r.id).map((e) => e.type)).toEqual(['referral.submitted', 'referral.acknowledged', 'referral.accepted', 'referral.started', 'referral.completed']);
    // Rows with a channel are chained like the others.
    const historyTable = AUDIT_TABLES.find((t) => t.table === 'referral_history');
    if (historyTable === undefined) throw new Error('no history table');
    expect(await verifyAuditChain(h.testEnv.database.pool, historyTable)).toMatchObject({ ok: true });
  });

  it('is refused (403) to anyone but the notifications service, before anything is looked up', async () => {
    const g = await givenNetwork();
    const r = await submitted(g);
    const body = { channel: 'sms', phone: g.focalPoint.phone, replyCode: r.replyCode, action: 'acknowledge', requestKey: randomUUID() };
    for (const caller of [
      as('focal_point', g.recipient),
      as('system', g.recipient),
      as('system', HUB_ORG, 'notifications-service'),
      as('system', HUB_ORG, 'someone', { client_id: 'another-client' }),
      as('caseworker', HUB_ORG, 'notifications-service', { client_id: 'notifications-service' }),
    ]) {
      await json(await phoneAction(body, caller), 403);
      await json(await api('POST', '/v1/phone-inbox', caller, { phone: g.focalPoint.phone }), 403);
    }
    expect((await api('POST', '/v1/phone-actions', null, body)).status).toBe(401);
    expect(await statusOf(r.id)).toBe('submitted');
    expect(await h.referrals.db.client.phoneActionRequest.count({ where: { requestKey: body.requestKey } })).toBe(0);
  });

  it('forgets the stored answers after a week, and only those', async () => {
    const db = h.referrals.db.client;
    const old = `old-${randomUUID()}`;
    const recent = `recent-${randomUUID()}`;
    const now = Date.now();
    await db.phoneActionRequest.create({ data: { requestKey: old, result: { outcome: 'done' }, createdAt: new Date(now - PHONE_REQUEST_KEPT_MS - 60_000) } });
    await db.phoneActionRequest.create({ data: { requestKey: recent, result: { outcome: 'done' }, createdAt: new Date(now - PHONE_REQUEST_KEPT_MS + 60_000) } });
    expect(await forgetPhoneRequests(h.referrals.deps)).toBeGreaterThanOrEqual(1);
    expect(await db.phoneActionRequest.count({ where: { requestKey: old } })).toBe(0);
    expect(await db.phoneActionRequest.count({ where: { requestKey: recent } })).toBe(1);
  });

  it('forgets a used link\'s nonce only once the longest lifetime a link may have has passed since its use', async () => {
    const g = await givenNetwork();
    const r = await submitted(g);
    const db = h.referrals.db.client;
    const now = Date.now();
    const old = { nonce: `old-${randomUUID()}`, referralId: r.id, focalPointId: g.focalPoint.id, action: 'acknowledge', usedAt: new Date(now - USED_ACTION_LINK_KEPT_MS - 60_000) };
    const recent = { ...old, nonce: `recent-${randomUUID()}`, usedAt: new Date(now - USED_ACTION_LINK_KEPT_MS + 60_000) };
    await db.actionLinkUse.createMany({ data: [old, recent] });
    expect(await forgetUsedActionLinks(h.referrals.deps)).toBeGreaterThanOrEqual(1);
    expect(await db.actionLinkUse.count({ where: { nonce: old.nonce } })).toBe(0);
    expect(await db.actionLinkUse.count({ where: { nonce: recent.nonce } })).toBe(1);
    // Kept at least as long as the longest lifetime the configuration accepts.
    expect(USED_ACTION_LINK_KEPT_MS).toBeGreaterThanOrEqual(ACTION_LINK_MAX_TTL_SECONDS * 1000);
  });

  it('names the field of a malformed request', async () => {
    const problem = await json<{ errors: { field: string }[] }>(await phoneAction({ channel: 'sms', phone: '+25761000000', replyCode: '1234', action: 'explode', requestKey: 'k' }), 400);
    expect(problem.errors.map((e) => e.field)).toContain('body.action');
  });
});

describe('POST /v1/phone-inbox', () => {
  it('lists the waiting referrals of the sender\'s organisations, overdue first then by due date, at most nine', async () => {
    const g = await givenNetwork();
    const db = h.referrals.db.client;
    const now = Date.now();
    const hours = (n: number) => new Date(now + n * 3_600_000);
    // Stored directly: the order depends on deadlines only, and eleven submits would be slow.
    const make = (status: string, acknowledgeDueAt: Date | null, decisionDueAt: Date | null, recipient = g.recipient) =>
      db.referral.create({
        data: {
          id: randomUUID(),
          code: `REF-${randomUUID().replaceAll('-', '').slice(0, 5).toUpperCase()}`,
          caseCode: g.caseCode,
          status,
          urgency: 'medium',
          referringOrganizationId: g.owner,
          recipientOrganizationId: recipient,
          recipientServiceId: g.serviceId,
          acknowledgeDueAt,
          decisionDueAt,
          replyCode: String(randomInt(1000, 10_000)),
        },
      });
    const lateAck = await make('submitted', hours(-5), hours(20));
    const lateDecision = await make('acknowledged', hours(-30), hours(-2));
    const soon = await make('submitted', hours(1), hours(30));
    const later = [];
    for (let i = 2; i <= 8; i += 1) later.push(await make(i % 2 === 0 ? 'submitted' : 'acknowledged', hours(i), hours(i)));
    await make('accepted', hours(-50), hours(-40));
    await make('submitted', hours(-50), hours(-40), randomUUID());
    const inbox = await json<PhoneInbox>(await api('POST', '/v1/phone-inbox', notifications, { phone: asProviderSends(g.focalPoint.phone) }), 200);
    expect(inbox.outcome).toBe('ok');
    expect(inbox.language).toBe('en');
    expect(inbox.items).toHaveLength(9);
    expect(inbox.items.map((item) => item.referralId)).toEqual([lateAck.id, lateDecision.id, soon.id, ...later.slice(0, 6).map((r) => r.id)]);
    expect(inbox.items.map((item) => item.overdue)).toEqual([true, true, false, false, false, false, false, false, false]);
    // Its next deadline: the decision once acknowledged (the acknowledgement's, long passed, no longer counts).
    expect(inbox.items[1]).toEqual({
      referralId: lateDecision.id,
      code: lateDecision.code,
      replyCode: lateDecision.replyCode,
      status: 'acknowledged',
      urgency: 'medium',
      serviceName: { fr: 'Soutien psychosocial', en: 'Psychosocial support' },
      dueAt: hours(-2).toISOString(),
      overdue: true,
    });
    expect(await json<PhoneInbox>(await api('POST', '/v1/phone-inbox', notifications, { phone: '+257 61 999 999' }), 200)).toEqual({ outcome: 'unknown_sender', language: 'fr', items: [] });
  });
});
