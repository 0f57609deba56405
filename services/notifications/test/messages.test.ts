import { describe, expect, it } from 'vitest';
import { gsm7Length, isGsm7, toGsm7 } from '../src/domain/messages/gsm7.js';
import { assertSmsFit, messageFacts, renderEmail, renderSms } from '../src/domain/messages/render.js';
import type { DirectoryNames } from '../src/domain/messages/render.js';
import { LANGUAGES, MESSAGE_KINDS } from '../src/domain/messages/templates.js';

const ID = '0b7c3f1e-2a4d-4c1b-9f7e-3d2a1b0c9e8f';
const LONG_LINK = 'https://hub.example.org/referrals/{referralId}';
const SHORT_LINK = 'https://hub.example.org/r/{referralCode}';

/** Personal data a referral may carry, each a string that must never reach a message. */
const PERSONAL = {
  firstName: 'Aïcha',
  lastName: 'Traoré-Ouédraogo',
  childPhone: '+225 07 48 12 39 55',
  caregiverName: 'Mariam Kaboré',
  caregiverPhone: '+22670123456',
  address: 'Quartier Zogona, rue 12.34, porte 56',
  dateOfBirth: '2015-06-14',
  leadName: 'Jeanne Ilboudo',
  leadEmail: 'jeanne.ilboudo@agency.example',
  leadPhone: '+226 70 99 88 77',
  needText: 'Enfant séparée après l’incendie',
  school: 'École primaire de Tanghin',
  concernNote: 'violences répétées par l’oncle',
};

/** A referral as the referrals API would give it, with a full payload, passed to the renderer whole. */
const referral = {
  id: ID,
  code: 'REF-7K2Q9',
  caseCode: 'CASE-2027-0042',
  status: 'submitted' as const,
  kind: 'referral',
  urgency: 'high',
  lead: { userId: 'amina', name: PERSONAL.leadName, email: PERSONAL.leadEmail, phone: PERSONAL.leadPhone, language: 'fr' },
  need: { category: 'separated_child', text: PERSONAL.needText },
  payload: {
    'child.firstName': PERSONAL.firstName,
    'child.lastName': PERSONAL.lastName,
    'child.dateOfBirth': PERSONAL.dateOfBirth,
    'child.phone': PERSONAL.childPhone,
    'child.address': PERSONAL.address,
    'caregiver.name': PERSONAL.caregiverName,
    'caregiver.phone': PERSONAL.caregiverPhone,
    'education.school': PERSONAL.school,
    'case.summary': PERSONAL.concernNote,
  },
};

const names: DirectoryNames = {
  serviceName: 'Soutien psychosocial',
  referringOrganizationName: 'Terre des Enfants',
  recipientOrganizationName: 'Direction régionale de la protection de l’enfance',
};

const longNames: DirectoryNames = {
  serviceName: 'Soutien psychosocial et gestion de cas pour enfants non accompagnés ou séparés [€]',
  referringOrganizationName: 'Association Œcuménique d’Entraide — Côte-d’Ivoire, bureau de Bouaké ç ê â',
  recipientOrganizationName: 'Direction régionale de la protection de l’enfance et de la famille du Centre-Nord',
};

const everyMessage = LANGUAGES.flatMap((language) => MESSAGE_KINDS.map((kind) => [language, kind] as const));

describe('rendered messages', () => {
  it.each(everyMessage)('the %s %s message carries no personal data from the referral', (language, kind) => {
    const facts = messageFacts(referral, names, LONG_LINK);
    const email = renderEmail(kind, language, facts);
    const sms = renderSms(kind, language, facts);
    const everything = [email.subject, email.text, email.html, sms].join('\n');
    for (const value of Object.values(PERSONAL)) {
      expect(everything).not.toContain(value);
      // The SMS form of a name loses its accents: that form must not appear either.
      expect(everything).not.toContain(toGsm7(value));
    }
  });

  it.each(everyMessage)('the %s %s message names the referral, case, service, organisation, status and link', (language, kind) => {
    const facts = messageFacts(referral, names, LONG_LINK);
    const email = renderEmail(kind, language, facts);
    const link = `https://hub.example.org/referrals/${ID}`;
    for (const part of [email.text, email.html]) {
      expect(part).toContain('REF-7K2Q9');
      expect(part).toContain('CASE-2027-0042');
      expect(part).toContain(link);
    }
    expect(email.subject).toContain('REF-7K2Q9');
    expect(email.text).toContain('Soutien psychosocial');
    expect(email.text).toContain('Terre des Enfants');
    expect(email.text).toContain(language === 'fr' ? 'envoyé' : 'submitted');
    expect(email.html).toContain('Direction régionale de la protection de l’enfance');
    const sms = renderSms(kind, language, facts);
    expect(sms).toContain('REF-7K2Q9');
    expect(sms).toContain('CASE-2027-0042');
    expect(sms).toContain(link);
  });

  it.each(everyMessage)('the %s %s SMS fits one GSM-7 segment with the longest codes and names', (language, kind) => {
    for (const [link, caseCode] of [
      [SHORT_LINK, 'C'.repeat(40)],
      [LONG_LINK, 'CASE-2027-0042'],
    ] as const) {
      const sms = renderSms(kind, language, messageFacts({ ...referral, caseCode, status: 'acknowledged' }, longNames, link));
      expect(isGsm7(sms)).toBe(true);
      expect(gsm7Length(sms)).toBeLessThanOrEqual(160);
      expect(sms).toContain(caseCode);
    }
  });

  it('names in the directory cannot inject markup into the HTML nor lines into the subject', () => {
    const email = renderEmail('submitted', 'en', messageFacts(referral, { ...names, serviceName: '<script>x</script>\r\nBcc: evil@example.org' }, LONG_LINK));
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;');
    expect(email.subject).not.toMatch(/[\r\n]/);
  });

  it('the French and English messages differ, each in its language', () => {
    const facts = messageFacts(referral, names, LONG_LINK);
    expect(renderEmail('declined', 'fr', facts).subject).toBe('Référencement REF-7K2Q9 refusé');
    expect(renderEmail('declined', 'en', facts).subject).toBe('Referral REF-7K2Q9 declined');
  });

  it('a link template too long for an SMS is refused at start', () => {
    expect(() => assertSmsFit(SHORT_LINK, MESSAGE_KINDS, LANGUAGES)).not.toThrow();
    expect(() => assertSmsFit(`https://${'x'.repeat(120)}.example.org/{referralId}`, MESSAGE_KINDS, LANGUAGES)).toThrow(/does not fit/);
  });
});

describe('the GSM-7 alphabet', () => {
  it('keeps the accented letters GSM-7 has and strips those it lacks', () => {
    expect(toGsm7('é è ù ì ò à É Ç')).toBe('é è ù ì ò à É Ç');
    expect(toGsm7('ê â ç ô î ï ë û È À')).toBe('e a c o i i e u E A');
    expect(toGsm7('l’enfant « ici » – œuvre…')).toBe('l\'enfant " ici " - oeuvre...');
    expect(isGsm7(toGsm7('中文 🙂'))).toBe(true);
  });

  it('counts extension characters as two septets and refuses what it cannot carry', () => {
    expect(gsm7Length('abc')).toBe(3);
    expect(gsm7Length('€[]{}')).toBe(10);
    expect(gsm7Length('é\n')).toBe(2);
    expect(isGsm7('ç')).toBe(false);
    expect(isGsm7('ê')).toBe(false);
    expect(() => gsm7Length('ç')).toThrow(/U\+00E7/);
  });
});
