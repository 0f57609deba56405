import { describe, expect, it } from 'vitest';
import { gsm7Length, isGsm7 } from '../src/domain/messages/gsm7.js';
import { assertSmsFit, forRecipient, messageFacts, renderEmail, renderSms } from '../src/domain/messages/render.js';
import type { DirectoryNames } from '../src/domain/messages/render.js';
import { LANGUAGES, MESSAGE_KINDS, REPLY_KINDS } from '../src/domain/messages/templates.js';

const ID = '0b7c3f1e-2a4d-4c1b-9f7e-3d2a1b0c9e8f';
const ACTION_LINK = 'https://console.hub.example.org/a/{token}';
const SHORT_LINK = 'https://hub.example.org/r/{referralCode}';
const TOKENS = { acknowledge: 'AQAAack-tok3n_x', accept: 'AQAAacc-tok3n_y', decline: 'AQAAdec-tok3n_z', expiresAt: '2027-03-09T08:30:00.000Z' };
const referral = { id: ID, code: 'REF-7K2Q9', caseCode: 'CASE-2027-0042', status: 'submitted' as const };
const names: DirectoryNames = { serviceName: 'Soutien psychosocial', referringOrganizationName: 'Terre des Enfants', recipientOrganizationName: 'Aide Nord' };
const longNames: DirectoryNames = {
  serviceName: 'Soutien psychosocial et gestion de cas pour enfants non accompagnés ou séparés [€]',
  referringOrganizationName: 'Association Œcuménique d’Entraide — Côte-d’Ivoire, bureau de Bouaké ç ê â',
  recipientOrganizationName: 'Direction régionale de la protection de l’enfance et de la famille du Centre-Nord',
};
const focalPoint = (replyCode: string | null, actionLinks: (Omit<typeof TOKENS, 'accept'> & { accept: string | null }) | null = TOKENS) => ({ role: 'focal_point', replyCode, actionLinks });
const url = (token: string) => `https://console.hub.example.org/a/${token}`;

describe("a focal point's e-mail about a new referral", () => {
  it.each(LANGUAGES)('in %s carries the three one-click links with their tokens, in text and HTML, saying they work once and until when', (language) => {
    const email = renderEmail('submitted', language, forRecipient(messageFacts(referral, names, SHORT_LINK), focalPoint('4821'), ACTION_LINK));
    for (const token of [TOKENS.acknowledge, TOKENS.accept, TOKENS.decline]) {
      expect(email.text).toContain(url(token));
      expect(email.html).toContain(`<a href="${url(token)}">`);
    }
    const [ack, acc, dec] = language === 'fr' ? ['Accuser réception', 'Accepter', 'Refuser'] : ['Acknowledge receipt', 'Accept', 'Decline'];
    expect(email.text).toContain(`- ${ack}: ${url(TOKENS.acknowledge)}`);
    expect(email.text).toContain(`- ${acc}: ${url(TOKENS.accept)}`);
    expect(email.text).toContain(`- ${dec}`);
    // The expiry in the person's language, with its time zone named.
    const until = language === 'fr' ? 'ne sert qu’une fois, jusqu’au mardi 9 mars 2027 à 08:30 UTC' : 'works once, until Tuesday, 9 March 2027 at 08:30 UTC';
    expect(email.text).toContain(until);
    expect(email.html).toContain(until);
    // The referral's own link stays.
    expect(email.text).toContain('https://hub.example.org/r/REF-7K2Q9');
  });

  it('anyone else, or a focal point whose referral no longer awaits them, gets no one-click link', () => {
    for (const role of ['lead', 'supervisor', 'org_admin']) {
      for (const kind of MESSAGE_KINDS) {
        const email = renderEmail(kind, 'fr', forRecipient(messageFacts(referral, names, SHORT_LINK), { role, replyCode: '4821', actionLinks: TOKENS }, ACTION_LINK));
        expect(`${email.text}${email.html}`).not.toContain('/a/');
        expect(`${email.text}${email.html}`).not.toContain('AQAA');
      }
    }
    const without = renderEmail('submitted', 'en', forRecipient(messageFacts(referral, names, SHORT_LINK), focalPoint('4821', null), ACTION_LINK));
    expect(without.text).not.toContain('/a/');
    expect(without.text).not.toContain('one click');
  });

  it.each(LANGUAGES)('in %s, for a case transfer (no accept token: accepted in the console only), carries the other two links alone', (language) => {
    const email = renderEmail('submitted', language, forRecipient(messageFacts(referral, names, SHORT_LINK), focalPoint('4821', { ...TOKENS, accept: null }), ACTION_LINK));
    expect(email.text).toContain(url(TOKENS.acknowledge));
    expect(email.text).toContain(url(TOKENS.decline));
    expect(email.html).toContain(`<a href="${url(TOKENS.decline)}">`);
    const accept = language === 'fr' ? '- Accepter:' : '- Accept:';
    expect(email.text).not.toContain(accept);
    expect(email.text).not.toContain('AQAAacc');
  });

  it('a token cannot change the shape of the link', () => {
    const email = renderEmail('submitted', 'en', forRecipient(messageFacts(referral, names, SHORT_LINK), focalPoint('4821', { ...TOKENS, accept: '"><script>/x?y#z' }), ACTION_LINK));
    expect(email.html).not.toContain('<script>');
    expect(email.text).toContain(url('%22%3E%3Cscript%3E%2Fx%3Fy%23z'));
  });
});

describe("a focal point's SMS", () => {
  const cases = LANGUAGES.flatMap((language) => REPLY_KINDS.map((kind) => [language, kind] as const));

  it.each(cases)('in %s (%s) names the reply code and the commands, in one GSM-7 segment, whatever the names, codes and link', (language, kind) => {
    for (const [replyCode, caseCode, link, directory] of [
      ['4821', 'CASE-2027-0042', SHORT_LINK, names],
      ['4821', 'C'.repeat(40), `https://${'x'.repeat(60)}.example.org/referrals/{referralId}`, longNames],
      ['904215', 'CASE-2027-0042', SHORT_LINK, longNames],
    ] as const) {
      const sms = renderSms(kind, language, forRecipient(messageFacts({ ...referral, caseCode }, directory, link), focalPoint(replyCode), ACTION_LINK));
      const commands =
        language === 'fr'
          ? `Répondez OK ${replyCode} (recu), ACCEPTE ${replyCode} ou NON ${replyCode} motif. AIDE pour l'aide.`
          : `Reply OK ${replyCode} (received), ACCEPT ${replyCode} or NO ${replyCode} reason. HELP for help.`;
      expect(sms).toContain(commands);
      expect(sms).toContain('REF-7K2Q9');
      expect(isGsm7(sms)).toBe(true);
      expect(gsm7Length(sms)).toBeLessThanOrEqual(160);
      // Never a one-click token by SMS.
      expect(sms).not.toContain('AQAA');
    }
  });

  it('drops the link, never the reply code, when both do not fit; keeps it when they do', () => {
    const long = renderSms('submitted', 'fr', forRecipient(messageFacts(referral, names, SHORT_LINK), focalPoint('4821'), ACTION_LINK));
    expect(long).toBe("Nouveau référencement REF-7K2Q9 pour Soutien psychosocial, de Terre des Enfants. Répondez OK 4821 (recu), ACCEPTE 4821 ou NON 4821 motif. AIDE pour l'aide.");
    const brief = renderSms('submitted', 'en', forRecipient(messageFacts({ ...referral, caseCode: 'C-1' }, { serviceName: 'PSS', referringOrganizationName: 'TdE', recipientOrganizationName: 'AN' }, 'https://h.org/{referralCode}'), focalPoint('4821'), ACTION_LINK));
    expect(brief).toBe('New referral REF-7K2Q9 (case C-1) for PSS from TdE. Reply OK 4821 (received), ACCEPT 4821 or NO 4821 reason. HELP for help. https://h.org/REF-7K2Q9');
  });

  it('is unchanged for anyone else, for a withdrawn referral, and for a referral without a reply code', () => {
    const plain = (kind: (typeof MESSAGE_KINDS)[number], recipient: { role: string; replyCode: string | null; actionLinks: null }) =>
      renderSms(kind, 'en', forRecipient(messageFacts(referral, names, SHORT_LINK), recipient, ACTION_LINK));
    const before = renderSms('submitted', 'en', messageFacts(referral, names, SHORT_LINK));
    expect(before).toContain('Please acknowledge: https://hub.example.org/r/REF-7K2Q9');
    expect(plain('submitted', { role: 'focal_point', replyCode: null, actionLinks: null })).toBe(before);
    expect(plain('escalated_receiver', { role: 'org_admin', replyCode: '4821', actionLinks: null })).not.toContain('4821');
    expect(plain('withdrawn', { role: 'focal_point', replyCode: '4821', actionLinks: null })).not.toContain('4821');
    expect(plain('accepted', { role: 'lead', replyCode: '4821', actionLinks: null })).not.toContain('4821');
  });

  it('the start-up check covers the reply codes', () => {
    expect(() => assertSmsFit(SHORT_LINK, MESSAGE_KINDS, LANGUAGES)).not.toThrow();
  });
});
