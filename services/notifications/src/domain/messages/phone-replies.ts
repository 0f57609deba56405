/**
 * The words of the phone channels, in French and English: the SMS replies to a
 * focal point's commands and the USSD menu's screens. Like the notifications'
 * templates, they name only the referral's code, its reply code, the service,
 * the urgency, deadlines and statuses: never anything about the child.
 *
 * Translators: keep each SMS within one 160-character message once filled in
 * (a test checks it with long codes), and each USSD screen within 182
 * characters. Accents outside the GSM-7 alphabet (ê, ç, â…) are turned into
 * plain letters when sent.
 */
import type { DeclineReason } from '@referral-hub/contracts';
import type { PhoneAction } from '../phone-commands.js';
import type { Language } from './templates.js';
import { STATUS_LABELS } from './templates.js';

/** The decline reasons a phone can give, numbered as in the catalogue (`other` needs a note, which a phone cannot send). */
export const PHONE_DECLINE_REASONS: readonly DeclineReason[] = [
  'outside_eligibility',
  'no_capacity',
  'service_not_offered',
  'cannot_contact_family',
  'family_declined',
  'duplicate_referral',
];

/** Short names of the decline reasons, for a keypad's screen. */
export const SHORT_REASON_LABELS: Record<Language, Record<DeclineReason, string>> = {
  fr: {
    outside_eligibility: 'Hors critères',
    no_capacity: 'Capacité atteinte',
    service_not_offered: 'Service non offert',
    cannot_contact_family: 'Famille injoignable',
    family_declined: 'Refus de la famille',
    duplicate_referral: 'Doublon',
    other: 'Autre',
  },
  en: {
    outside_eligibility: 'Not eligible',
    no_capacity: 'No capacity',
    service_not_offered: 'Service not offered',
    cannot_contact_family: 'Family unreachable',
    family_declined: 'Family declined',
    duplicate_referral: 'Duplicate',
    other: 'Other',
  },
};

/** A status as a word, for any status the referrals service names (the word as is when unknown). */
export function statusLabel(language: Language, status: string): string {
  const labels: Record<string, string> = STATUS_LABELS[language];
  return labels[status] ?? status.replace(/_/g, ' ');
}

/** The commands of each action in SMS, as the help names them. */
const COMMAND_WORD: Record<Language, Record<PhoneAction, string>> = {
  fr: { acknowledge: 'OK', accept: 'ACCEPTE', decline: 'NON', complete: 'FINI' },
  en: { acknowledge: 'OK', accept: 'ACCEPT', decline: 'NO', complete: 'DONE' },
};

/** What a referral in `status` can still be told by phone. */
export function actionsAllowedIn(status: string): PhoneAction[] {
  switch (status) {
    case 'submitted':
      return ['acknowledge', 'accept', 'decline'];
    case 'acknowledged':
      return ['accept', 'decline'];
    case 'accepted':
    case 'in_progress':
      return ['complete'];
    default:
      return [];
  }
}

type Reply = {
  done: (s: { code: string; replyCode: string; status: string }) => string;
  unknownCode: (s: { replyCode: string }) => string;
  notAllowed: (s: { code: string; replyCode: string; status: string; action: PhoneAction; allowed: PhoneAction[] }) => string;
  reasonRequired: (s: { replyCode: string }) => string;
  /** Accepting a case transfer makes the accepter the case's lead: a person signed in to the console. */
  consoleOnly: (s: { code: string; replyCode: string }) => string;
  help: string;
};

const ACTION_VERB: Record<Language, Record<PhoneAction, string>> = {
  fr: { acknowledge: 'confirmer la réception', accept: "l'accepter", decline: 'le refuser', complete: 'le terminer' },
  en: { acknowledge: 'acknowledge it', accept: 'accept it', decline: 'decline it', complete: 'complete it' },
};

const reasonList = (language: Language) => PHONE_DECLINE_REASONS.map((reason, index) => `${index + 1} ${SHORT_REASON_LABELS[language][reason]}`).join(', ');

const commandsFor = (language: Language, replyCode: string, allowed: PhoneAction[]) =>
  allowed.map((action) => `${COMMAND_WORD[language][action]} ${replyCode}${action === 'decline' ? (language === 'fr' ? ' motif' : ' reason') : ''}`).join(', ');

export const SMS_REPLIES: Record<Language, Reply> = {
  fr: {
    done: (s) => `C'est fait : ${s.code} (code ${s.replyCode}) est maintenant ${statusLabel('fr', s.status)}.`,
    unknownCode: (s) => `Le code ${s.replyCode} ne correspond à aucun référencement en cours de votre organisation. Envoyez AIDE pour les commandes.`,
    notAllowed: (s) =>
      `${s.code} (code ${s.replyCode}) est ${statusLabel('fr', s.status)} : impossible de ${ACTION_VERB.fr[s.action]}. ` +
      (s.allowed.length === 0 ? 'Plus rien à faire par SMS.' : `Possible : ${commandsFor('fr', s.replyCode, s.allowed)}.`),
    reasonRequired: (s) => `Motif requis : NON ${s.replyCode} puis le numéro. ${reasonList('fr')}.`,
    consoleOnly: (s) => `${s.code} (code ${s.replyCode}) est un transfert de dossier : il s'accepte dans la console. Rien n'a été changé.`,
    help: 'Répondez avec le code reçu : OK 4821 (reçu), ACCEPTE 4821, NON 4821 motif, FINI 4821 (terminé). NON 4821 sans motif donne la liste.',
  },
  en: {
    done: (s) => `Done: ${s.code} (code ${s.replyCode}) is now ${statusLabel('en', s.status)}.`,
    unknownCode: (s) => `Code ${s.replyCode} matches none of your organisation's open referrals. Send HELP for the commands.`,
    notAllowed: (s) =>
      `${s.code} (code ${s.replyCode}) is ${statusLabel('en', s.status)}: cannot ${ACTION_VERB.en[s.action]}. ` +
      (s.allowed.length === 0 ? 'Nothing more to do by SMS.' : `You can: ${commandsFor('en', s.replyCode, s.allowed)}.`),
    reasonRequired: (s) => `A reason is needed: NO ${s.replyCode} then its number. ${reasonList('en')}.`,
    consoleOnly: (s) => `${s.code} (code ${s.replyCode}) is a case transfer: accept it in the console. Nothing was changed.`,
    help: 'Reply with the code you got: OK 4821 (received), ACCEPT 4821, NO 4821 reason, DONE 4821 (completed). NO 4821 alone lists the reasons.',
  },
};

/** To a number the hub does not know: says nothing about the hub's referrals, in both languages. */
export const UNKNOWN_SENDER_REPLY = 'Message non traité. / Message not processed.';

/** Once per window to a number that sent too many messages, in both languages. */
export const RATE_LIMITED_REPLY = 'Trop de messages, réessayez plus tard. / Too many messages, try again later.';

/** The USSD menu's screens (each answer must stay within 182 characters). */
export type UssdWording = {
  listTitle: string;
  /** The `0` choice of the list: the menu in the other language. */
  otherLanguage: string;
  nothingWaiting: string;
  urgency: Record<string, string>;
  overdue: string;
  /** Time left before the deadline, shortest form: `3j`, `5h`. */
  days: (n: number) => string;
  hours: (n: number) => string;
  /** The screen of one referral: its reply code and service, then the choices. */
  itemTitle: (s: { replyCode: string; service: string; urgency: string; left: string }) => string;
  actions: Record<'acknowledge' | 'accept' | 'decline', string>;
  back: string;
  reasonsTitle: string;
  invalidChoice: string;
  done: (s: { code: string; replyCode: string; status: string }) => string;
  alreadyDone: string;
  notAllowed: (s: { code: string; status: string }) => string;
  /** Accepting a case transfer is done in the console. */
  consoleOnly: (s: { code: string }) => string;
  noLongerWaiting: string;
  reasonRequired: string;
  sessionExpired: string;
  unavailable: string;
};

export const USSD_WORDING: Record<Language, UssdWording> = {
  fr: {
    listTitle: 'En attente :',
    otherLanguage: '0 English',
    nothingWaiting: 'Aucun référencement en attente pour votre organisation.',
    urgency: { high: 'URG', medium: 'moy', low: 'bas' },
    overdue: 'retard',
    days: (n) => `${n}j`,
    hours: (n) => `${n}h`,
    itemTitle: (s) => `${s.replyCode} ${s.service}\nUrgence ${s.urgency}, ${s.left}`,
    actions: { acknowledge: 'Accuser réception', accept: 'Accepter', decline: 'Refuser' },
    back: '0 Retour',
    reasonsTitle: 'Motif du refus :',
    invalidChoice: 'Choix invalide.',
    done: (s) => `C'est fait : ${s.code} (code ${s.replyCode}) est maintenant ${statusLabel('fr', s.status)}.`,
    alreadyDone: 'Déjà enregistré.',
    notAllowed: (s) => `Impossible : ${s.code} est ${statusLabel('fr', s.status)}.`,
    consoleOnly: (s) => `${s.code} est un transfert de dossier : acceptez-le dans la console. Rien n'a été changé.`,
    noLongerWaiting: "Ce référencement n'est plus en attente.",
    reasonRequired: 'Un motif est requis.',
    sessionExpired: 'Session expirée. Recomposez le code.',
    unavailable: 'Service indisponible, réessayez plus tard.',
  },
  en: {
    listTitle: 'Waiting:',
    otherLanguage: '0 Français',
    nothingWaiting: 'No referral is waiting for your organisation.',
    urgency: { high: 'HIGH', medium: 'med', low: 'low' },
    overdue: 'late',
    days: (n) => `${n}d`,
    hours: (n) => `${n}h`,
    itemTitle: (s) => `${s.replyCode} ${s.service}\nUrgency ${s.urgency}, ${s.left}`,
    actions: { acknowledge: 'Acknowledge', accept: 'Accept', decline: 'Decline' },
    back: '0 Back',
    reasonsTitle: 'Reason for declining:',
    invalidChoice: 'Invalid choice.',
    done: (s) => `Done: ${s.code} (code ${s.replyCode}) is now ${statusLabel('en', s.status)}.`,
    alreadyDone: 'Already recorded.',
    notAllowed: (s) => `Not possible: ${s.code} is ${statusLabel('en', s.status)}.`,
    consoleOnly: (s) => `${s.code} is a case transfer: accept it in the console. Nothing was changed.`,
    noLongerWaiting: 'This referral is no longer waiting.',
    reasonRequired: 'A reason is required.',
    sessionExpired: 'Session expired. Dial the code again.',
    unavailable: 'Service unavailable, try again later.',
  },
};

/** The USSD answer to a number the hub does not know: says nothing, in both languages. */
export const USSD_UNKNOWN_SENDER = 'Service non disponible pour ce numéro. / Service not available for this number.';
export const USSD_RATE_LIMITED = 'Trop de sessions, réessayez plus tard. / Too many sessions, try again later.';
