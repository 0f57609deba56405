import { DECLINE_REASONS } from '@referral-hub/contracts';
import { describe, expect, it } from 'vitest';
import { gsm7Length, isGsm7, toGsm7 } from '../src/domain/messages/gsm7.js';
import { PHONE_DECLINE_REASONS, RATE_LIMITED_REPLY, SMS_REPLIES, UNKNOWN_SENDER_REPLY, actionsAllowedIn } from '../src/domain/messages/phone-replies.js';
import { LANGUAGES } from '../src/domain/messages/templates.js';
import { PHONE_ACTIONS, describeCommand, parsePhoneCommand } from '../src/domain/phone-commands.js';

describe('the SMS command parser', () => {
  it.each([
    // Acknowledge
    ['OK 4821', 'acknowledge', '4821'],
    ['ok 4821', 'acknowledge', '4821'],
    ['Reçu 4821', 'acknowledge', '4821'],
    ['RECU 4821', 'acknowledge', '4821'],
    ['ACK 4821', 'acknowledge', '4821'],
    ['received 4821', 'acknowledge', '4821'],
    ['  Ok.   4821 ', 'acknowledge', '4821'],
    ['OK4821', 'acknowledge', '4821'],
    ['OK #4821', 'acknowledge', '4821'],
    ['ok 4821 merci', 'acknowledge', '4821'],
    // Accept
    ['ACCEPTE 4821', 'accept', '4821'],
    ['Accepté 4821', 'accept', '4821'],
    ['ACCEPTÉE 4821', 'accept', '4821'],
    ['accepter 4821', 'accept', '4821'],
    ['Accept 4821', 'accept', '4821'],
    ['OUI 4821', 'accept', '4821'],
    ['yes 4821', 'accept', '4821'],
    // Decline
    ['NON 4821', 'decline', '4821'],
    ['Refusé 4821', 'decline', '4821'],
    ['REFUSER 4821', 'decline', '4821'],
    ['decline 4821', 'decline', '4821'],
    ['No 4821', 'decline', '4821'],
    // Complete
    ['FINI 4821', 'complete', '4821'],
    ['Terminé 4821', 'complete', '4821'],
    ['done 4821', 'complete', '4821'],
    ['COMPLETE 4821', 'complete', '4821'],
    // Longer codes (crowded organisations)
    ['OK 48213', 'acknowledge', '48213'],
    ['ok 482139', 'acknowledge', '482139'],
  ])('%j is %s of %s', (text, action, replyCode) => {
    const command = parsePhoneCommand(text);
    expect(command).toMatchObject({ kind: 'action', action, replyCode });
  });

  it.each([
    ['NON 4821 capacite', 'no_capacity'],
    ['non 4821 Capacité', 'no_capacity'],
    ['NO 4821 no capacity', 'no_capacity'],
    ['NON 4821 plein', 'no_capacity'],
    ['no 4821 full', 'no_capacity'],
    ['NON 4821 complet', 'no_capacity'],
    ['NON 4821 critères', 'outside_eligibility'],
    ['NON 4821 eligibilite', 'outside_eligibility'],
    ['decline 4821 eligibility', 'outside_eligibility'],
    ['NON 4821 service non offert', 'service_not_offered'],
    ['no 4821 service not offered', 'service_not_offered'],
    ['NON 4821 famille injoignable', 'cannot_contact_family'],
    ['no 4821 cannot contact family', 'cannot_contact_family'],
    ['NON 4821 impossible de joindre', 'cannot_contact_family'],
    ['NON 4821 la famille a refusé', 'family_declined'],
    ['NON 4821 refus', 'family_declined'],
    ['no 4821 family refused', 'family_declined'],
    ['NON 4821 doublon', 'duplicate_referral'],
    ['no 4821 duplicate', 'duplicate_referral'],
    ['NON 4821 no_capacity', 'no_capacity'],
    ['NON 4821 duplicate_referral', 'duplicate_referral'],
    ['NON 4821 1', 'outside_eligibility'],
    ['NON 4821 2', 'no_capacity'],
    ['NON 4821 6', 'duplicate_referral'],
    ['NON 4821 7', 'other'],
    ['NON 4821 autre', 'other'],
    ['NON 4821', null],
    ['NON 4821 pas envie', null],
    ['NON 4821 9', null],
    ['NON 4821 0', null],
  ])('%j declines with reason %s', (text, reasonCode) => {
    expect(parsePhoneCommand(text)).toEqual({ kind: 'action', action: 'decline', replyCode: '4821', reasonCode });
  });

  it('numbers the reasons as the catalogue does', () => {
    DECLINE_REASONS.forEach((reason, index) => {
      expect(parsePhoneCommand(`NON 4821 ${index + 1}`)).toMatchObject({ reasonCode: reason.code });
    });
    // The phone's own list is the catalogue's order without `other` (a phone cannot add the note it needs).
    expect(PHONE_DECLINE_REASONS).toEqual(DECLINE_REASONS.filter((reason) => !reason.requiresNote).map((reason) => reason.code));
  });

  it('gives no reason to anything but a decline', () => {
    expect(parsePhoneCommand('OK 4821 capacite')).toEqual({ kind: 'action', action: 'acknowledge', replyCode: '4821', reasonCode: null });
  });

  it.each(['AIDE', 'aide', 'Help', '?', 'aide svp', ' ? '])('%j asks for help', (text) => {
    expect(parsePhoneCommand(text)).toEqual({ kind: 'help' });
  });

  it.each([
    ['OK', 'acknowledge'],
    ['ACCEPTE', 'accept'],
    ['NON capacite', 'decline'],
    ['OK 48', 'acknowledge'],
    ['OK 4821234', 'acknowledge'],
  ])('%j has no reply code', (text, action) => {
    expect(parsePhoneCommand(text)).toEqual({ kind: 'missing_code', action });
  });

  it.each(['', '   ', 'Bonjour', '4821', 'merci beaucoup', 'STOP', '😀 4821'])('%j is not understood', (text) => {
    expect(parsePhoneCommand(text)).toEqual({ kind: 'unknown' });
  });

  it('keeps only the understood words in the log, never the rest of the text', () => {
    expect(describeCommand(parsePhoneCommand('NON 4821 la famille a refusé car Marie est malade'))).toBe('decline 4821 family_declined');
    expect(describeCommand(parsePhoneCommand('Bonjour, Marie a 12 ans'))).toBe('unknown');
    expect(describeCommand(parsePhoneCommand('OK 4821 Jean'))).toBe('acknowledge 4821');
  });
});

describe('the SMS replies', () => {
  const LONG_CODE = 'REF-XXXXXXXX';
  const fits = (text: string) => {
    const sent = toGsm7(text);
    expect(isGsm7(sent)).toBe(true);
    expect(gsm7Length(sent), sent).toBeLessThanOrEqual(160);
  };

  it.each(LANGUAGES)('fit one GSM-7 SMS in %s, with six-digit codes', (language) => {
    const words = SMS_REPLIES[language];
    fits(words.help);
    fits(words.unknownCode({ replyCode: '482139' }));
    fits(words.reasonRequired({ replyCode: '482139' }));
    fits(words.consoleOnly({ code: LONG_CODE, replyCode: '482139' }));
    for (const status of ['submitted', 'acknowledged', 'accepted', 'in_progress', 'declined', 'completed', 'not_delivered', 'withdrawn', 'closed']) {
      fits(words.done({ code: LONG_CODE, replyCode: '482139', status }));
      for (const action of PHONE_ACTIONS) fits(words.notAllowed({ code: LONG_CODE, replyCode: '482139', status, action, allowed: actionsAllowedIn(status) }));
    }
    fits(UNKNOWN_SENDER_REPLY);
    fits(RATE_LIMITED_REPLY);
  });

  it('say what the state still allows', () => {
    expect(SMS_REPLIES.fr.notAllowed({ code: 'REF-1', replyCode: '4821', status: 'acknowledged', action: 'acknowledge', allowed: actionsAllowedIn('acknowledged') })).toContain('ACCEPTE 4821, NON 4821 motif');
    expect(SMS_REPLIES.en.notAllowed({ code: 'REF-1', replyCode: '4821', status: 'declined', action: 'accept', allowed: actionsAllowedIn('declined') })).toContain('Nothing more to do by SMS');
    expect(SMS_REPLIES.en.reasonRequired({ replyCode: '4821' })).toContain('2 No capacity');
  });

  it('are understood back by the parser (the commands they teach work)', () => {
    expect(parsePhoneCommand('ACCEPT 4821')).toMatchObject({ action: 'accept' });
    expect(parsePhoneCommand('DONE 4821')).toMatchObject({ action: 'complete' });
    expect(parsePhoneCommand('NO 4821 2')).toMatchObject({ action: 'decline', reasonCode: 'no_capacity' });
  });
});
