import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotificationContext } from '../src/domain/get-notification-context.js';
import type { ReferralView } from '../src/domain/referral.js';
import { as, client, givenConsentedCase, HUB_ORG, json, PAYLOAD, startHarness } from './harness.js';
import type { Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('referrals-notification-context', {
    extraEnv: { NOTIFICATION_CLIENT_SUBJECTS: 'notifications-service, another-listed', HUB_ORGANIZATION_ID: HUB_ORG },
  });
});
afterAll(async () => {
  await h?.close();
});

const api = client(() => ({ testEnv: h.testEnv, url: h.referrals.url }));
/** The notifications service's client-credentials token: its client id, the system role, the hub's organisation. */
const machine = (clientId: string, org: string = HUB_ORG, sub: string = clientId) => as('system', org, sub, { client_id: clientId });
const notifications = machine('notifications-service');

/** A submitted referral with a payload full of personal data, its names and focal points in the read model. */
async function givenReferral() {
  const { owner, recipient, caseCode, serviceId } = await givenConsentedCase(h);
  const lead = as('caseworker', owner, `lead-${randomUUID()}`, {
    name: 'Awa Diallo',
    email: 'awa.diallo@ngo.example',
    phone_number: '+223 70 00 00 00',
    locale: 'en-GB',
    supervisor_sub: 'supervisor-fatou',
  });
  const draft = await json<ReferralView>(
    await api('POST', '/v1/referrals', lead, {
      caseCode,
      recipientOrganizationId: recipient,
      recipientServiceId: serviceId,
      urgency: 'high',
      need: { category: 'psychosocial_distress', text: 'Besoin confidentiel de Amani' },
      payload: PAYLOAD,
    }),
    201,
  );
  await json(await api('POST', `/v1/referrals/${draft.id}/submit`, lead, {}), 200);
  // The directory's details, as the read model holds them once fetched.
  const db = h.referrals.db.client;
  const now = new Date();
  await db.knownOrganization.upsert({ where: { id: owner }, create: { id: owner, name: 'Terre des Enfants', version: 1, updatedAt: now }, update: { name: 'Terre des Enfants' } });
  await db.knownOrganization.upsert({ where: { id: recipient }, create: { id: recipient, name: 'Aide Nord', version: 1, updatedAt: now }, update: { name: 'Aide Nord' } });
  await db.knownService.update({ where: { id: serviceId }, data: { name: { fr: 'Soutien psychosocial', en: 'Psychosocial support' } } });
  const forService = { id: randomUUID(), organizationId: recipient, serviceId, name: 'Mariam Coulibaly', email: 'mariam@aide-nord.example', phone: '+223 71 00 00 01', preferredLanguage: 'en', version: 1, fetchedAt: now };
  const forOrganization = { id: randomUUID(), organizationId: recipient, serviceId: null, name: 'Ibrahim Traoré', email: null, phone: '+223 71 00 00 02', preferredLanguage: 'fr', version: 1, fetchedAt: now };
  const elsewhere = { id: randomUUID(), organizationId: recipient, serviceId: randomUUID(), name: 'Autre Service', email: 'autre@aide-nord.example', phone: null, preferredLanguage: 'fr', version: 1, fetchedAt: now };
  await db.knownFocalPoint.createMany({ data: [forService, forOrganization, elsewhere] });
  return { id: draft.id, code: draft.code, caseCode, owner, recipient, serviceId, lead, forService, forOrganization };
}

describe('GET /v1/referrals/{id}/notification-context', () => {
  it('gives a listed machine client the codes, names, the lead, the supervisor and the receiving focal points, and never the payload or the need', async () => {
    const r = await givenReferral();
    const context = await json<NotificationContext>(await api('GET', `/v1/referrals/${r.id}/notification-context`, notifications), 200);
    const links = expect.objectContaining({
      acknowledge: expect.stringMatching(/^[A-Za-z0-9_-]{1,100}$/),
      accept: expect.stringMatching(/^[A-Za-z0-9_-]{1,100}$/),
      decline: expect.stringMatching(/^[A-Za-z0-9_-]{1,100}$/),
      expiresAt: expect.any(String),
    });
    expect(context).toEqual({
      id: r.id,
      code: r.code,
      replyCode: expect.stringMatching(/^[1-9][0-9]{3}$/),
      caseCode: r.caseCode,
      status: 'submitted',
      referringOrganizationId: r.owner,
      recipientOrganizationId: r.recipient,
      recipientServiceId: r.serviceId,
      names: { referringOrganization: 'Terre des Enfants', recipientOrganization: 'Aide Nord', recipientService: { fr: 'Soutien psychosocial', en: 'Psychosocial support' } },
      lead: { userId: r.lead.sub, name: 'Awa Diallo', email: 'awa.diallo@ngo.example', phone: '+223 70 00 00 00', language: 'en' },
      supervisor: { userId: 'supervisor-fatou' },
      focalPoints: [
        { id: r.forService.id, serviceId: r.serviceId, name: 'Mariam Coulibaly', email: 'mariam@aide-nord.example', phone: '+223 71 00 00 01', preferredLanguage: 'en', actionLinks: links },
        { id: r.forOrganization.id, serviceId: null, name: 'Ibrahim Traoré', email: null, phone: '+223 71 00 00 02', preferredLanguage: 'fr', actionLinks: links },
      ],
      formerLeads: [],
    });
    // Each focal point its own links, each link its own token, expiring after the configured 72 hours.
    const [first, second] = context.focalPoints;
    expect(new Set([first?.actionLinks?.acknowledge, first?.actionLinks?.accept, first?.actionLinks?.decline, second?.actionLinks?.acknowledge]).size).toBe(4);
    const lifetime = Date.parse(first?.actionLinks?.expiresAt ?? '') - Date.now();
    expect(lifetime).toBeGreaterThan(71 * 3_600_000);
    expect(lifetime).toBeLessThanOrEqual(72 * 3_600_000);
    // Once acknowledged, no more links: the step they offer is gone.
    await json(await api('POST', `/v1/referrals/${r.id}/acknowledge`, as('focal_point', r.recipient)), 200);
    const later = await json<NotificationContext>(await api('GET', `/v1/referrals/${r.id}/notification-context`, notifications), 200);
    expect(later.focalPoints.map((fp) => fp.actionLinks)).toEqual([null, null]);
    expect(later.replyCode).toBe(context.replyCode);
    expect(context).not.toHaveProperty('payload');
    expect(context).not.toHaveProperty('need');
    const text = JSON.stringify(context);
    for (const value of ['Amani', 'asthma', 'psychosocial_distress', 'Needs psychosocial support', 'Besoin confidentiel']) expect(text).not.toContain(value);
    // Reading it is not a read of the case: nothing in the access log.
    expect(await h.referrals.db.client.accessLogEntry.count({ where: { referralId: r.id } })).toBe(0);
  });

  it('any client listed may read it; an unknown referral is then a 404 and a malformed id a 400', async () => {
    const r = await givenReferral();
    await json(await api('GET', `/v1/referrals/${r.id}/notification-context`, machine('another-listed')), 200);
    // Identified by its client id, not its subject (a provider may give a service account another `sub`).
    await json(await api('GET', `/v1/referrals/${r.id}/notification-context`, machine('notifications-service', HUB_ORG, randomUUID())), 200);
    await json(await api('GET', `/v1/referrals/${randomUUID()}/notification-context`, notifications), 404);
    await json(await api('GET', '/v1/referrals/not-a-uuid/notification-context', notifications), 400);
  });

  it('is refused to an unlisted machine client, even of a side of the referral, to people of either side, and to a listed subject without the system role', async () => {
    const r = await givenReferral();
    const path = `/v1/referrals/${r.id}/notification-context`;
    await json(await api('GET', path, as('system', r.owner, 'ngo-case-system')), 403);
    await json(await api('GET', path, as('system', r.recipient)), 403);
    await json(await api('GET', path, r.lead), 403);
    await json(await api('GET', path, as('supervisor', r.owner, 'supervisor-fatou')), 403);
    await json(await api('GET', path, as('focal_point', r.recipient)), 403);
    await json(await api('GET', path, as('caseworker', HUB_ORG, 'notifications-service')), 403);
    await json(await api('GET', path, as('caseworker', HUB_ORG, 'notifications-service', { client_id: 'notifications-service' })), 403);
    // The same answer for a referral that does not exist: a refused caller learns nothing.
    await json(await api('GET', `/v1/referrals/${randomUUID()}/notification-context`, as('system', r.owner)), 403);
    expect((await api('GET', path, null)).status).toBe(401);
  });

  it('trusts the token subject alone nowhere: a user token or another organisation\'s client with sub notifications-service is refused', async () => {
    const r = await givenReferral();
    const path = `/v1/referrals/${r.id}/notification-context`;
    // A user token (no client id), even with the system role, the subject and the hub's organisation.
    await json(await api('GET', path, as('system', HUB_ORG, 'notifications-service')), 403);
    // Another organisation's machine client named like the notifications service, by subject and client id.
    await json(await api('GET', path, machine('notifications-service', r.owner)), 403);
    await json(await api('GET', path, machine('notifications-service', randomUUID())), 403);
    // An unlisted client whose subject is the notifications service's.
    await json(await api('GET', path, machine('ngo-case-system', HUB_ORG, 'notifications-service')), 403);
    // The real one, for contrast.
    await json(await api('GET', path, notifications), 200);
  });
});

describe('HUB_ORGANIZATION_ID unset', () => {
  it('lets nobody read a notification context, even a listed client', async () => {
    const other = await startHarness('referrals-notification-context-no-hub', { extraEnv: { NOTIFICATION_CLIENT_SUBJECTS: 'notifications-service' } });
    try {
      const response = await fetch(`${other.referrals.url}/v1/referrals/${randomUUID()}/notification-context`, {
        headers: { authorization: await other.testEnv.authorization(notifications) },
      });
      expect(response.status).toBe(403);
    } finally {
      await other.close();
    }
  });
});

describe('NOTIFICATION_CLIENT_SUBJECTS unset', () => {
  it('lets nobody read a notification context', async () => {
    const other = await startHarness('referrals-notification-context-off', { extraEnv: { HUB_ORGANIZATION_ID: HUB_ORG } });
    try {
      const response = await fetch(`${other.referrals.url}/v1/referrals/${randomUUID()}/notification-context`, {
        headers: { authorization: await other.testEnv.authorization(notifications) },
      });
      expect(response.status).toBe(403);
    } finally {
      await other.close();
    }
  });
});
