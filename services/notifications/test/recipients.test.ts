import { describe, expect, it } from 'vitest';
import type { ReferralEventType } from '../src/entry-points/messaging/events.js';
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
      { recipientKey: 'user:lead', role: 'lead', channel: 'sms', language: 'fr', kind: 'completed', address: null },
    ]);
  });
});
