import { fieldByKey, isShareable } from '@referral-hub/contracts';
import type { CaseConsentContext, ConsentKindCode, ConsentParty, NetworkPolicySettings } from './policy.js';
import { whoMustConsent } from './policy.js';

/**
 * Why a field is denied, in order of precedence: when several apply, the first one listed is
 * given. Absolute rules come first (a strictly confidential field never leaves; an excluded
 * recipient or a missing agreement stop sharing whatever the family said), then what happened
 * to the consents (the most deliberate act first: a withdrawal, then a single use, then time
 * running out), then consents that exist but do not satisfy the network's rules, then consents
 * that do not name this field, recipient or purpose, and last no consent at all.
 */
export const DENIAL_REASONS = [
  'strictly_confidential',
  'excluded_recipient',
  'no_agreement',
  'withdrawn',
  'consumed',
  'expired',
  'policy_unmet',
  'not_in_scope',
  'no_consent',
] as const;
export type DenialReason = (typeof DENIAL_REASONS)[number];

/** The scope shared by consents and overrides. */
export type ScopeFacts = {
  recipientOrganizationIds: readonly string[];
  serviceTypes: readonly string[];
  /** Expanded field keys. */
  fieldKeys: readonly string[];
  purposes: readonly string[];
  validFrom: Date;
  expiresAt: Date;
};

export type ConsentFacts = ScopeFacts & {
  id: string;
  givenBy: ConsentParty;
  kind: ConsentKindCode;
  singleUse: boolean;
  withdrawnAt: Date | null;
  consumedAt: Date | null;
  /** The referral a single-use consent was used up for; that referral keeps its cover. */
  consumedForReferralId: string | null;
};

export type OverrideFacts = ScopeFacts & { id: string; approvedAt: Date | null; revokedAt: Date | null };

export type AgreementFacts = {
  id: string;
  partyOrganizationIds: readonly string[];
  dataGroups: readonly string[];
  purposes: readonly string[];
  /** `YYYY-MM-DD`; the agreement is in force up to and including that day (UTC). */
  reviewDate: string;
  acceptedByOrganizationIds: readonly string[];
};

export type DecisionQuestion = {
  ownerOrganizationId: string;
  recipientOrganizationId: string;
  recipientServiceType: string | null;
  purpose: string;
  /** Field keys of the catalogue (selectors already expanded), each once. */
  fieldKeys: readonly string[];
  /** The case's protection concern categories; null when the caller did not say (exclusions then apply to every category). */
  caseCategories: readonly string[] | null;
  referralId: string | null;
};

/** Everything the decision depends on, as plain data. */
export type DecisionFacts = {
  question: DecisionQuestion;
  /** The owner's consents of this case, whatever their status. */
  consents: readonly ConsentFacts[];
  /** The owner's overrides of this case, whatever their status. */
  overrides: readonly OverrideFacts[];
  /** Agreements naming the owner (others are ignored). */
  agreements: readonly AgreementFacts[];
  policy: Pick<
    NetworkPolicySettings,
    'assentFromAge' | 'childConsentFromAge' | 'childConsentAloneFromAge' | 'requireAgreement' | 'recipientExclusions'
  >;
  caseContext: CaseConsentContext | null;
  /** From the directory's events; null while unknown. */
  recipientOrganizationType: string | null;
  now: Date;
};

export type DeniedField = { field: string; reason: DenialReason };

export type DecisionOutcome = {
  /** Allowed field keys, in the order asked. */
  allowed: string[];
  denied: DeniedField[];
  basis: { consentIds: string[]; overrideIds: string[] };
  /** The earliest expiry among the basis; null when nothing is allowed. */
  validUntil: Date | null;
  /** Single-use consents of the basis not used up yet: a consuming decision uses them up. */
  toConsume: string[];
};

type ConsentState = 'active' | 'withdrawn' | 'consumed' | 'expired';

/**
 * Decides, field by field, what may go to the recipient now. Pure: the same facts always give
 * the same outcome, so the rules are tested as a table and as properties without a database.
 *
 * A field is allowed when it is shareable, the recipient is not excluded, an agreement in force
 * covers it (if the network requires one) and either every party the network requires has an
 * active consent covering this recipient, purpose and field, or an approved, active override
 * covers it. Consents are preferred to overrides, and among consents lasting ones to single-use
 * ones (so a single-use consent is used up only when nothing else covers the field).
 */
export function decide(facts: DecisionFacts): DecisionOutcome {
  const { question, policy, now } = facts;
  const excluded = isExcludedRecipient(facts);
  const requirement = whoMustConsent(policy, facts.caseContext);
  const usableAgreements = facts.agreements.filter((agreement) => agreementApplies(agreement, question, now));
  const started = facts.consents.filter((consent) => consent.validFrom.getTime() <= now.getTime());

  const allowed: string[] = [];
  const denied: DeniedField[] = [];
  const consentBasis = new Map<string, ConsentFacts>();
  const overrideBasis = new Map<string, OverrideFacts>();

  for (const key of question.fieldKeys) {
    const deny = (reason: DenialReason) => denied.push({ field: key, reason });
    if (!isShareable(key)) {
      deny('strictly_confidential');
      continue;
    }
    if (excluded) {
      deny('excluded_recipient');
      continue;
    }
    const group = fieldByKey(key)?.group;
    if (policy.requireAgreement && !usableAgreements.some((agreement) => group !== undefined && agreement.dataGroups.includes(group))) {
      deny('no_agreement');
      continue;
    }

    const inScope = started.filter((consent) => covers(consent, question, key));
    let chosen: ConsentFacts[] | null = null;
    const statusReasons: DenialReason[] = [];
    if (requirement.kind === 'parties') {
      const picks: ConsentFacts[] = [];
      for (const requirementOfParty of requirement.parties) {
        const candidates = inScope.filter((c) => c.givenBy === requirementOfParty.party && requirementOfParty.kinds.includes(c.kind));
        const active = candidates.filter((c) => consentState(c, question, now) === 'active');
        const best = preferred(active);
        if (best !== undefined) picks.push(best);
        else {
          const reason = worstState(candidates.map((c) => consentState(c, question, now)));
          if (reason !== null) statusReasons.push(reason);
        }
      }
      if (picks.length === requirement.parties.length) chosen = picks;
    } else {
      const reason = worstState(inScope.map((c) => consentState(c, question, now)));
      if (reason !== null && inScope.every((c) => consentState(c, question, now) !== 'active')) statusReasons.push(reason);
    }

    if (chosen !== null) {
      for (const consent of chosen) consentBasis.set(consent.id, consent);
      allowed.push(key);
      continue;
    }
    const override = latestExpiring(facts.overrides.filter((o) => overrideActive(o, now) && covers(o, question, key)));
    if (override !== undefined) {
      overrideBasis.set(override.id, override);
      allowed.push(key);
      continue;
    }
    if (statusReasons.length > 0) deny(firstByPrecedence(statusReasons));
    else if (inScope.length > 0) deny('policy_unmet');
    else deny(facts.consents.length === 0 ? 'no_consent' : 'not_in_scope');
  }

  const basisExpiries = [...consentBasis.values(), ...overrideBasis.values()].map((item) => item.expiresAt.getTime());
  return {
    allowed,
    denied,
    basis: { consentIds: [...consentBasis.keys()].sort(), overrideIds: [...overrideBasis.keys()].sort() },
    validUntil: basisExpiries.length === 0 ? null : new Date(Math.min(...basisExpiries)),
    toConsume: [...consentBasis.values()]
      .filter((consent) => consent.singleUse && consent.consumedAt === null)
      .map((consent) => consent.id)
      .sort(),
  };
}

/**
 * Whether the network excludes this kind of recipient for this case. An unknown recipient kind
 * counts as excluded whenever a rule could apply (fail closed), and unknown case categories count
 * as every category.
 */
function isExcludedRecipient(facts: DecisionFacts): boolean {
  const categories = facts.question.caseCategories;
  return facts.policy.recipientExclusions.some(
    (rule) =>
      (categories === null || rule.caseCategories.some((category) => categories.includes(category))) &&
      (facts.recipientOrganizationType === null || rule.organizationType === facts.recipientOrganizationType),
  );
}

function agreementApplies(agreement: AgreementFacts, question: DecisionQuestion, now: Date): boolean {
  const today = now.toISOString().slice(0, 10);
  const parties = agreement.partyOrganizationIds;
  return (
    agreement.reviewDate >= today &&
    parties.every((party) => agreement.acceptedByOrganizationIds.includes(party)) &&
    parties.includes(question.ownerOrganizationId) &&
    parties.includes(question.recipientOrganizationId) &&
    agreement.purposes.includes(question.purpose)
  );
}

/**
 * Whether a scope names this recipient, purpose and field. Organisations and service types both
 * narrow the recipients; a scope naming neither covers no one.
 */
export function covers(scope: ScopeFacts, question: DecisionQuestion, key: string): boolean {
  const orgs = scope.recipientOrganizationIds;
  const types = scope.serviceTypes;
  const recipientCovered =
    (orgs.length > 0 || types.length > 0) &&
    (orgs.length === 0 || orgs.includes(question.recipientOrganizationId)) &&
    (types.length === 0 || (question.recipientServiceType !== null && types.includes(question.recipientServiceType)));
  return recipientCovered && scope.purposes.includes(question.purpose) && scope.fieldKeys.includes(key);
}

function consentState(consent: ConsentFacts, question: DecisionQuestion, now: Date): ConsentState {
  if (consent.withdrawnAt !== null) return 'withdrawn';
  const usedByThisReferral = question.referralId !== null && consent.consumedForReferralId === question.referralId;
  if (consent.consumedAt !== null && !usedByThisReferral) return 'consumed';
  if (consent.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

function overrideActive(override: OverrideFacts, now: Date): boolean {
  return (
    override.approvedAt !== null &&
    override.revokedAt === null &&
    override.validFrom.getTime() <= now.getTime() &&
    override.expiresAt.getTime() > now.getTime()
  );
}

function worstState(states: readonly ConsentState[]): DenialReason | null {
  const reasons = states.filter((state): state is Exclude<ConsentState, 'active'> => state !== 'active');
  return reasons.length === 0 ? null : firstByPrecedence(reasons);
}

function firstByPrecedence(reasons: readonly DenialReason[]): DenialReason {
  return DENIAL_REASONS.find((reason) => reasons.includes(reason)) ?? 'no_consent';
}

/** Lasting consents before single-use ones, then the one lasting longest; ids break ties. */
function preferred(consents: readonly ConsentFacts[]): ConsentFacts | undefined {
  return [...consents].sort(
    (a, b) => Number(a.singleUse) - Number(b.singleUse) || b.expiresAt.getTime() - a.expiresAt.getTime() || a.id.localeCompare(b.id),
  )[0];
}

function latestExpiring<T extends { id: string; expiresAt: Date }>(items: readonly T[]): T | undefined {
  return [...items].sort((a, b) => b.expiresAt.getTime() - a.expiresAt.getTime() || a.id.localeCompare(b.id))[0];
}
