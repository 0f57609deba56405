import { describe, expect, it } from 'vitest';
import type { ReferralEventType } from '../src/domain/referral-event-facts.js';
import { asOfEvent } from '../src/domain/people-of-the-moment.js';
import { planDeliveries } from '../src/domain/recipients.js';
import type { Contact, ReferralContext, StoredPreference } from '../src/domain/recipients.js';

const contact = (role: Contact['role'], id: string, extra: Partial<Contact> = {}): Contact => ({
  role,
  userId: role === 'focal_point' ? null : id,
  focalPointId: role === 'focal_point' ? id : null,
  email: `${id}@example.org`,
  phone: `+2267000${id.length}`,
  language: null,
  ...extra,
});

const context: ReferralContext = {
  names: { serviceName: 'S', referringOrganizationName: 'A', recipientOrganizationName: 'B' },
  lead: contact('lead', 'lead'),
  supervisor: contact('supervisor', 'sup'),
  focalPoints: [contact('focal_point', 'fp1', { language: 'en' }), contact('focal_point', 'fp2')],
};

const told = (type: ReferralEventType, prefs = new Map<string, StoredPreference>()) =>
  planDeliveries(type, context, prefs)
    .map((d) => `${d.recipientKey} ${d.kind} ${d.channel} ${d.language}`)
    .sort();

describe('who is told what', () => {
  it.each([
    ['referral.submitted', ['focal_point:fp1 submitted email en', 'focal_point:fp2 submitted email fr']],
    ['referral.withdrawn', ['focal_point:fp1 withdrawn email en', 'focal_point:fp2 withdrawn email fr']],
    [
      'referral.overdue',
      ['focal_point:fp1 overdue_reminder email en', 'focal_point:fp2 overdue_reminder email fr', 'user:lead overdue_lead email fr'],
    ],
    ['referral.closed', []],
    ...(['acknowledged', 'accepted', 'declined', 'started', 'completed', 'not_delivered', 'access_revoked'] as const).map(
      (outcome) => [`referral.${outcome}`, [`user:lead ${outcome} email fr`, `user:sup ${outcome} email fr`]] as const,
    ),
  ] as const)('%s reaches %j', (type, expected) => {
    expect(told(type)).toEqual(expected);
  });

  it('stored preferences choose the channels and the language; an empty choice tells nobody', () => {
    const prefs = new Map<string, StoredPreference>([
      ['lead', { channels: ['email', 'sms'], language: 'en' }],
      ['sup', { channels: [], language: 'fr' }],
    ]);
    expect(told('referral.accepted', prefs)).toEqual(['user:lead accepted email en', 'user:lead accepted sms en']);
  });

  it('a person who is both lead and supervisor is told once per channel', () => {
    const same = { ...context, supervisor: contact('supervisor', 'lead') };
    expect(planDeliveries('referral.declined', same, new Map()).map((d) => d.recipientKey)).toEqual(['user:lead']);
  });

  it('a channel without an address is planned with no address, to be logged as such', () => {
    const noPhone = { ...context, lead: contact('lead', 'lead', { phone: null }), supervisor: null };
    const prefs = new Map<string, StoredPreference>([['lead', { channels: ['sms'], language: 'fr' }]]);
    expect(planDeliveries('referral.completed', noPhone, prefs)).toEqual([
      { recipientKey: 'user:lead', role: 'lead', channel: 'sms', language: 'fr', kind: 'completed', address: null, actionLinks: null },
    ]);
  });

  it("a supervisor known by id only is written to at the contact stored from their token; a lead's own address comes first", () => {
    const byId = { ...context, lead: contact('lead', 'lead', { email: 'lead@referral.example', phone: null }), supervisor: contact('supervisor', 'sup', { email: null, phone: null }) };
    const prefs = new Map<string, StoredPreference>([
      ['lead', { channels: ['email', 'sms'], language: 'en', email: 'lead@token.example', phone: '+22670000001' }],
      // Stored by a read of the preferences: a contact, no choice yet.
      ['sup', { channels: ['sms'], language: 'en', chosen: false, email: 'sup@token.example', phone: '+22670000002' }],
    ]);
    const plan = planDeliveries('referral.accepted', byId, prefs).map((d) => `${d.recipientKey} ${d.channel} ${d.language} ${d.address ?? '-'}`).sort();
    expect(plan).toEqual(['user:lead email en lead@referral.example', 'user:lead sms en +22670000001', 'user:sup email fr sup@token.example']);
  });

  it('a focal point is matched to the preferences of the person with the same work e-mail, whatever its case', () => {
    const fp = contact('focal_point', 'fp1', { email: 'Mariam@Aide-Nord.example', language: 'en' });
    const prefs = new Map<string, StoredPreference>([['mariam@aide-nord.example', { channels: ['sms'], language: 'fr', phone: '+22670000003' }]]);
    const plan = planDeliveries('referral.submitted', { ...context, focalPoints: [fp] }, new Map(), prefs);
    expect(plan).toEqual([{ recipientKey: 'focal_point:fp1', role: 'focal_point', channel: 'sms', language: 'fr', kind: 'submitted', address: '+22670003', actionLinks: null }]);
  });
});

describe('escalation and the people of the moment', () => {
  it('an escalation reaches those reminded, the lead and supervisor, and the receiving organisation’s administrators', () => {
    const withAdmins: ReferralContext = { ...context, orgAdmins: [contact('org_admin', 'admin1')] };
    const plan = planDeliveries('referral.escalated', withAdmins, new Map()).map((d) => `${d.recipientKey} ${d.role} ${d.kind}`).sort();
    expect(plan).toEqual([
      'focal_point:fp1 focal_point escalated_receiver',
      'focal_point:fp2 focal_point escalated_receiver',
      'user:admin1 org_admin escalated_receiver',
      'user:lead lead escalated_lead',
      'user:sup supervisor escalated_lead',
    ]);
  });

  it('an event is told to the lead and supervisor it names, with a former lead’s contact, not to whoever leads now', () => {
    const transferred: ReferralContext = {
      ...context,
      lead: contact('lead', 'new-lead'),
      supervisor: null,
      formerLeads: [{ ...contact('lead', 'old-lead'), organizationId: 'org-a', supervisorUserId: 'old-sup' }],
    };
    const acknowledged = asOfEvent(transferred, { parties: { leadUserId: 'old-lead', leadOrganizationId: 'org-a', leadSupervisorUserId: 'old-sup' } });
    expect(planDeliveries('referral.acknowledged', acknowledged, new Map()).map((d) => `${d.recipientKey} ${d.address ?? '-'}`)).toEqual([
      'user:old-lead old-lead@example.org',
      'user:old-sup -',
    ]);
    const accepted = asOfEvent(transferred, {
      parties: { leadUserId: 'new-lead', leadOrganizationId: 'org-b', leadSupervisorUserId: null },
      transferredFrom: { leadUserId: 'old-lead', leadOrganizationId: 'org-a', leadSupervisorUserId: 'old-sup' },
    });
    expect(planDeliveries('referral.accepted', accepted, new Map()).map((d) => `${d.recipientKey} ${d.kind}`)).toEqual([
      'user:old-lead accepted',
      'user:old-sup accepted',
      'user:new-lead transfer_received',
    ]);
  });
});
