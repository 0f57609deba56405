import type { ConsentApi } from '@referral-hub/contracts';

export type NetworkPolicySettings = ConsentApi.components['schemas']['NetworkPolicyInput'];
export type NetworkPolicy = ConsentApi.components['schemas']['NetworkPolicy'];
export type RecipientExclusion = ConsentApi.components['schemas']['RecipientExclusion'];

/**
 * The network's sharing rules until a coordinator changes them (version 0). The ages follow the
 * inter-agency guidelines' examples: a child too young to consent but able to understand gives
 * an assent beside the caregiver's consent; from 15 the child consents, and that consent alone
 * may suffice when the caregiver cannot or must not be asked; younger children are still told,
 * in words fit for their age, what is shared. Consents last at most a year, overrides 30 days;
 * sharing needs an agreement in force; no recipient kind is excluded until the network says so.
 */
export const DEFAULT_POLICY_SETTINGS: NetworkPolicySettings = Object.freeze({
  assentFromAge: 6,
  childConsentFromAge: 15,
  childConsentAloneFromAge: 15,
  maxConsentValidityDays: 365,
  maxOverrideValidityDays: 30,
  requireAgreement: true,
  recipientExclusions: [],
});

/** The defaults as a policy document. */
export const DEFAULT_POLICY: NetworkPolicy = Object.freeze({ ...DEFAULT_POLICY_SETTINGS, version: 0, updatedBy: null, updatedAt: null });

/** What the decision needs to know about the case to apply the consent rules. */
export type CaseConsentContext = {
  /** The child's age in completed years, or null when unknown. */
  childAge: number | null;
  caregiverCanBeAsked: boolean;
};

export type ConsentParty = 'caregiver' | 'child';
export type ConsentKindCode = 'consent' | 'assent';

/** One person whose agreement is needed, and which kinds of record count. */
export type PartyRequirement = { party: ConsentParty; kinds: readonly ConsentKindCode[] };

/**
 * Who must agree before anything is shared: either these parties, or nobody can (only an
 * approved override allows sharing).
 */
export type ConsentRequirement = { kind: 'parties'; parties: readonly PartyRequirement[] } | { kind: 'override_only' };

const CONSENT_OR_ASSENT: readonly ConsentKindCode[] = ['consent', 'assent'];
const CONSENT_ONLY: readonly ConsentKindCode[] = ['consent'];

/**
 * Applies the network's rules to a case. With no context recorded the strictest satisfiable rule
 * applies (the caregiver's consent and the child's consent or assent). When the caregiver cannot
 * be asked, the child's own consent suffices only from the age the network sets; below it, or
 * when the age is unknown, only an override can allow sharing.
 */
export function whoMustConsent(
  policy: Pick<NetworkPolicySettings, 'assentFromAge' | 'childConsentFromAge' | 'childConsentAloneFromAge'>,
  context: CaseConsentContext | null,
): ConsentRequirement {
  if (context === null) {
    return { kind: 'parties', parties: [{ party: 'caregiver', kinds: CONSENT_ONLY }, { party: 'child', kinds: CONSENT_OR_ASSENT }] };
  }
  const age = context.childAge;
  if (!context.caregiverCanBeAsked) {
    if (age !== null && age >= policy.childConsentAloneFromAge) return { kind: 'parties', parties: [{ party: 'child', kinds: CONSENT_ONLY }] };
    return { kind: 'override_only' };
  }
  const parties: PartyRequirement[] = [{ party: 'caregiver', kinds: CONSENT_ONLY }];
  if (age === null) parties.push({ party: 'child', kinds: CONSENT_OR_ASSENT });
  else if (age >= policy.childConsentFromAge) parties.push({ party: 'child', kinds: CONSENT_ONLY });
  else if (age >= policy.assentFromAge) parties.push({ party: 'child', kinds: CONSENT_OR_ASSENT });
  return { kind: 'parties', parties };
}
