import { DECLINE_REASONS } from '@referral-hub/contracts';
import type { DeclineReason } from '@referral-hub/contracts';

/**
 * The SMS command rule: what a focal point's few words mean. A command is
 * `<word> <reply code> [reason words]`, in French or English, accents, case
 * and punctuation ignored (`OK 4821`, `Accepté 4821`, `non 4821 capacité`,
 * `FINI 4821`, `AIDE`). Only the words are read here; whether the sender may
 * do it, and to which referral the code leads, is the referrals service's
 * decision.
 */

/** What a phone can ask the referrals service to do. */
export const PHONE_ACTIONS = ['acknowledge', 'accept', 'decline', 'complete'] as const;
export type PhoneAction = (typeof PHONE_ACTIONS)[number];

export type PhoneCommand =
  /** An action on the referral whose reply code is `replyCode`; `reasonCode` only for a decline whose reason was understood. */
  | { kind: 'action'; action: PhoneAction; replyCode: string; reasonCode: DeclineReason | null }
  /** An action word without a reply code. */
  | { kind: 'missing_code'; action: PhoneAction }
  | { kind: 'help' }
  /** Nothing understood. */
  | { kind: 'unknown' };

/** The words of each action (already without accents, lower case). */
export const ACTION_WORDS: Readonly<Record<PhoneAction, readonly string[]>> = {
  acknowledge: ['ok', 'recu', 'recue', 'ack', 'received'],
  accept: ['accepte', 'acceptee', 'accepter', 'accept', 'accepted', 'oui', 'yes'],
  decline: ['non', 'refuse', 'refusee', 'refuser', 'decline', 'declined', 'no'],
  complete: ['fini', 'finie', 'termine', 'terminee', 'terminer', 'done', 'complete', 'completed'],
};

export const HELP_WORDS: readonly string[] = ['aide', 'help', '?'];

/**
 * Reason words and the decline reason each means. A family that refused wins over the other family
 * words (`famille refuse` is the family's refusal, `famille injoignable` the family not reached).
 */
const REASON_WORDS: ReadonlyArray<readonly [DeclineReason, readonly string[]]> = [
  ['family_declined', ['refus', 'refuse', 'refusee', 'refused', 'refusal', 'declined', 'refuser']],
  ['no_capacity', ['capacite', 'capacity', 'plein', 'pleine', 'full', 'complet', 'place', 'places']],
  ['outside_eligibility', ['criteres', 'critere', 'criteria', 'eligibilite', 'eligibility', 'eligible', 'ineligible']],
  ['service_not_offered', ['service', 'offert', 'offered', 'propose', 'offer']],
  ['cannot_contact_family', ['famille', 'family', 'joindre', 'injoignable', 'contact', 'reach', 'unreachable']],
  ['duplicate_referral', ['doublon', 'duplicate', 'double']],
  ['other', ['autre', 'other']],
];

const CODE = /^\d{4,6}$/;

/** `text` without accents, in lower case, with punctuation as spaces (`?` kept, a word of its own). */
export function normaliseWords(text: string): string[] {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/\?/g, ' ? ')
    .replace(/[^a-z0-9_?]+/g, ' ')
    .trim()
    .split(' ')
    .filter((word) => word !== '');
}

function actionOf(word: string): PhoneAction | undefined {
  return PHONE_ACTIONS.find((action) => ACTION_WORDS[action].includes(word));
}

/**
 * The decline reason the words after the code name: a catalogue code (`no_capacity`), its 1-based
 * number in the catalogue, or words of {@link REASON_WORDS}. Null when none is understood.
 */
export function declineReasonOf(words: readonly string[]): DeclineReason | null {
  if (words.length === 0) return null;
  const joined = words.join('_');
  const byCode = DECLINE_REASONS.find((reason) => reason.code === joined || reason.code === words[0]);
  if (byCode !== undefined) return byCode.code;
  if (/^\d{1,2}$/.test(words[0] ?? '')) {
    const byNumber = DECLINE_REASONS[Number(words[0]) - 1];
    return byNumber?.code ?? null;
  }
  for (const [code, keywords] of REASON_WORDS) {
    if (words.some((word) => keywords.includes(word))) return code;
  }
  return null;
}

/** What an SMS asks (see the module's comment). */
export function parsePhoneCommand(text: string): PhoneCommand {
  const words = normaliseWords(text);
  let [first, ...rest] = words;
  if (first === undefined) return { kind: 'unknown' };
  // The word and the code written together: `OK4821`.
  const glued = /^([a-z]+)(\d{4,6})$/.exec(first);
  if (glued?.[1] !== undefined && glued[2] !== undefined && actionOf(glued[1]) !== undefined) {
    first = glued[1];
    rest = [glued[2], ...rest];
  }
  if (HELP_WORDS.includes(first)) return { kind: 'help' };
  const action = actionOf(first);
  if (action === undefined) return { kind: 'unknown' };
  // A `#` or `no.` before the code is dropped with the punctuation; `No 4821` is a decline.
  const codeAt = rest.findIndex((word) => CODE.test(word));
  if (codeAt === -1 || codeAt > 1) return { kind: 'missing_code', action };
  const replyCode = rest[codeAt] ?? '';
  const after = rest.slice(codeAt + 1);
  return { kind: 'action', action, replyCode, reasonCode: action === 'decline' ? declineReasonOf(after) : null };
}

/** The command as kept in the inbound log: words the hub understood, never the text itself. */
export function describeCommand(command: PhoneCommand): string {
  switch (command.kind) {
    case 'action':
      return [command.action, command.replyCode, command.reasonCode].filter((part) => part !== null).join(' ');
    case 'missing_code':
      return `${command.action} (no code)`;
    case 'help':
      return 'help';
    case 'unknown':
      return 'unknown';
  }
}
