import { deepFreeze } from './freeze.js';

/**
 * Code lists shared by the APIs, the events and the field catalogue.
 *
 * Codes are stable machine values (published once, never renamed); labels are what people read,
 * in every language the hub speaks. Events and logs carry codes only.
 */

/** The languages the hub speaks. */
export const LANGUAGES = ['fr', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/** A text in every language of the hub. */
export type Labels = { readonly [L in Language]: string };

/** One value of a code list. */
export type CodeOption = {
  readonly code: string;
  readonly labels: Labels;
};

/** A value of a reason list; `requiresNote` asks the user to explain it in free text. */
export type ReasonOption = CodeOption & { readonly requiresNote: boolean };

/** Protection concern categories of the inter-agency case-management guidelines. */
export const PROTECTION_CONCERNS = deepFreeze([
  { code: 'physical_violence', labels: { fr: 'Violence physique', en: 'Physical violence' } },
  { code: 'sexual_violence', labels: { fr: 'Violence sexuelle', en: 'Sexual violence' } },
  { code: 'emotional_abuse', labels: { fr: 'Violence psychologique', en: 'Emotional abuse' } },
  { code: 'neglect', labels: { fr: 'Négligence', en: 'Neglect' } },
  { code: 'child_labour', labels: { fr: 'Travail des enfants', en: 'Child labour' } },
  {
    code: 'child_marriage',
    labels: { fr: "Mariage d'enfant (ou risque de mariage)", en: 'Child marriage (or risk of it)' },
  },
  {
    code: 'unaccompanied_or_separated',
    labels: { fr: 'Enfant non accompagné ou séparé', en: 'Unaccompanied or separated child' },
  },
  {
    code: 'armed_forces_or_groups',
    labels: {
      fr: 'Enfant associé aux forces ou groupes armés',
      en: 'Associated with armed forces or armed groups',
    },
  },
  { code: 'trafficking', labels: { fr: 'Traite des enfants', en: 'Trafficking' } },
  { code: 'detention', labels: { fr: 'Enfant en détention', en: 'Detention' } },
  {
    code: 'living_or_working_on_street',
    labels: { fr: 'Enfant vivant ou travaillant dans la rue', en: 'Living or working on the street' },
  },
  { code: 'psychosocial_distress', labels: { fr: 'Détresse psychosociale', en: 'Psychosocial distress' } },
  { code: 'disability_related_risk', labels: { fr: 'Risque lié au handicap', en: 'Disability-related risk' } },
  {
    code: 'lack_of_documentation',
    labels: { fr: "Absence de documents d'état civil", en: 'Lack of documentation' },
  },
] as const satisfies readonly CodeOption[]);
export type ProtectionConcern = (typeof PROTECTION_CONCERNS)[number]['code'];

/** Why a receiving agency declines a referral. `other` needs a note. */
export const DECLINE_REASONS = deepFreeze([
  {
    code: 'outside_eligibility',
    labels: { fr: "Hors des critères d'éligibilité du service", en: "Outside the service's eligibility criteria" },
    requiresNote: false,
  },
  { code: 'no_capacity', labels: { fr: "Capacité d'accueil atteinte", en: 'No capacity' }, requiresNote: false },
  {
    code: 'service_not_offered',
    labels: { fr: 'Service non proposé', en: 'Service not offered' },
    requiresNote: false,
  },
  {
    code: 'cannot_contact_family',
    labels: { fr: 'Impossible de joindre la famille', en: 'Cannot contact the family' },
    requiresNote: false,
  },
  {
    code: 'family_declined',
    labels: { fr: 'La famille a refusé le service', en: 'The family declined the service' },
    requiresNote: false,
  },
  {
    code: 'duplicate_referral',
    labels: { fr: 'Référencement en double', en: 'Duplicate referral' },
    requiresNote: false,
  },
  { code: 'other', labels: { fr: 'Autre motif (à préciser)', en: 'Other (please explain)' }, requiresNote: true },
] as const satisfies readonly ReasonOption[]);
export type DeclineReason = (typeof DECLINE_REASONS)[number]['code'];

/** Why an accepted referral's service could not be delivered. `other` needs a note. */
export const NOT_DELIVERED_REASONS = deepFreeze([
  {
    code: 'child_not_reached',
    labels: { fr: "Impossible de joindre l'enfant", en: 'The child could not be reached' },
    requiresNote: false,
  },
  {
    code: 'family_declined',
    labels: { fr: 'La famille a refusé le service', en: 'The family declined the service' },
    requiresNote: false,
  },
  { code: 'child_moved', labels: { fr: "L'enfant a quitté la zone", en: 'The child moved away' }, requiresNote: false },
  {
    code: 'service_interrupted',
    labels: { fr: 'Service interrompu', en: 'The service was interrupted' },
    requiresNote: false,
  },
  { code: 'other', labels: { fr: 'Autre motif (à préciser)', en: 'Other (please explain)' }, requiresNote: true },
] as const satisfies readonly ReasonOption[]);
export type NotDeliveredReason = (typeof NOT_DELIVERED_REASONS)[number]['code'];

/** Why a consent was withdrawn. */
export const CONSENT_WITHDRAWAL_REASONS = deepFreeze([
  { code: 'family_request', labels: { fr: 'À la demande de la famille', en: "At the family's request" }, requiresNote: false },
  { code: 'child_request', labels: { fr: "À la demande de l'enfant", en: "At the child's request" }, requiresNote: false },
  { code: 'recorded_in_error', labels: { fr: 'Enregistré par erreur', en: 'Recorded in error' }, requiresNote: false },
  { code: 'other', labels: { fr: 'Autre motif (à préciser)', en: 'Other (please explain)' }, requiresNote: true },
] as const satisfies readonly ReasonOption[]);
export type ConsentWithdrawalReason = (typeof CONSENT_WITHDRAWAL_REASONS)[number]['code'];

/** A case's risk level (niveau de risque), which is also a referral's urgency. */
export const RISK_LEVELS = deepFreeze([
  { code: 'high', labels: { fr: 'Élevé', en: 'High' } },
  { code: 'medium', labels: { fr: 'Moyen', en: 'Medium' } },
  { code: 'low', labels: { fr: 'Faible', en: 'Low' } },
] as const satisfies readonly CodeOption[]);
export type RiskLevel = (typeof RISK_LEVELS)[number]['code'];

/** The codes of a code list, in order. */
export function codesOf<const L extends readonly CodeOption[]>(list: L): L[number]['code'][] {
  return list.map((option) => option.code);
}

/**
 * The label of `code` in `language`, or undefined when the list has no such code
 * (callers show the code itself rather than fail).
 */
export function labelOf(list: readonly CodeOption[], code: string, language: Language): string | undefined {
  return list.find((option) => option.code === code)?.labels[language];
}
