import { FIELD_CATALOGUE, fieldByKey, isShareable } from '@referral-hub/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, DENIAL_REASONS } from '../src/domain/decide.js';
import type { AgreementFacts, ConsentFacts, DecisionFacts, DenialReason, OverrideFacts } from '../src/domain/decide.js';
import { DEFAULT_POLICY_SETTINGS, whoMustConsent } from '../src/domain/policy.js';

const NOW = new Date('2027-03-01T12:00:00.000Z');
const DAY = 86_400_000;
const at = (days: number) => new Date(NOW.getTime() + days * DAY);
const OWNER = '00000000-0000-4000-8000-000000000001';
const RECIPIENT = '00000000-0000-4000-8000-000000000002';
const OTHER_ORG = '00000000-0000-4000-8000-000000000003';
const REFERRAL = '00000000-0000-4000-8000-0000000000aa';
const IDENTITY_KEYS = FIELD_CATALOGUE.filter((f) => f.group === 'identity').map((f) => f.key);

function consent(overrides: Partial<ConsentFacts> = {}): ConsentFacts {
  return {
    id: overrides.id ?? `c-${Math.random().toString(36).slice(2)}`,
    givenBy: 'caregiver',
    kind: 'consent',
    recipientOrganizationIds: [RECIPIENT],
    serviceTypes: [],
    fieldKeys: [...IDENTITY_KEYS, 'protection.riskLevel'],
    purposes: ['referral'],
    validFrom: at(-10),
    expiresAt: at(30),
    singleUse: false,
    withdrawnAt: null,
    consumedAt: null,
    consumedForReferralId: null,
    ...overrides,
  };
}

/** The caregiver's and the child's consents over the same scope: what the default policy needs. */
function bothConsents(overrides: Partial<ConsentFacts> = {}): ConsentFacts[] {
  return [consent({ id: 'caregiver', ...overrides }), consent({ id: 'child', givenBy: 'child', ...overrides })];
}

const agreement = (overrides: Partial<AgreementFacts> = {}): AgreementFacts => ({
  id: 'a1',
  partyOrganizationIds: [OWNER, RECIPIENT],
  dataGroups: ['identity', 'protection', 'health'],
  purposes: ['referral'],
  reviewDate: '2027-12-31',
  acceptedByOrganizationIds: [OWNER, RECIPIENT],
  ...overrides,
});

const override = (overrides: Partial<OverrideFacts> = {}): OverrideFacts => ({
  id: 'o1',
  recipientOrganizationIds: [RECIPIENT],
  serviceTypes: [],
  fieldKeys: ['protection.riskLevel', 'health.conditions'],
  purposes: ['referral'],
  validFrom: at(-1),
  expiresAt: at(5),
  approvedAt: at(-1),
  revokedAt: null,
  ...overrides,
});

function facts(overrides: Omit<Partial<DecisionFacts>, 'question'> & { fields?: string[]; question?: Partial<DecisionFacts['question']> } = {}): DecisionFacts {
  const { fields, question, ...rest } = overrides;
  return {
    consents: bothConsents(),
    overrides: [],
    agreements: [agreement()],
    policy: DEFAULT_POLICY_SETTINGS,
    caseContext: { childAge: 12, caregiverCanBeAsked: true },
    recipientOrganizationType: 'ngo',
    now: NOW,
    ...rest,
    question: {
      ownerOrganizationId: OWNER,
      recipientOrganizationId: RECIPIENT,
      recipientServiceType: null,
      purpose: 'referral',
      fieldKeys: fields ?? ['child.firstName'],
      caseCategories: ['neglect'],
      referralId: null,
      ...question,
    },
  };
}

const reasonOf = (f: DecisionFacts, field = f.question.fieldKeys[0]) => {
  const outcome = decide(f);
  if (outcome.allowed.includes(field ?? '')) return 'allowed';
  return outcome.denied.find((d) => d.field === field)?.reason;
};

const governmentExcluded = { ...DEFAULT_POLICY_SETTINGS, recipientExclusions: [{ organizationType: 'government' as const, caseCategories: ['sexual_violence' as const] }] };

describe('the sharing decision, as a table', () => {
  const table: [string, DecisionFacts, 'allowed' | DenialReason][] = [
    ['both consents in scope: allowed', facts(), 'allowed'],
    ['a strictly confidential field, even with everything else in place', facts({ fields: ['confidential.notes'] }), 'strictly_confidential'],
    ['a strictly confidential field is denied before an exclusion', facts({ fields: ['caregiver.isAllegedPerpetrator'], policy: governmentExcluded, recipientOrganizationType: 'government', question: { caseCategories: ['sexual_violence'] } }), 'strictly_confidential'],
    ['an excluded kind of recipient for the case category', facts({ policy: governmentExcluded, recipientOrganizationType: 'government', question: { caseCategories: ['sexual_violence'] } }), 'excluded_recipient'],
    ['the same kind of recipient for another category', facts({ policy: governmentExcluded, recipientOrganizationType: 'government', question: { caseCategories: ['neglect'] } }), 'allowed'],
    ['an unknown recipient kind when an exclusion could apply (fail closed)', facts({ policy: governmentExcluded, recipientOrganizationType: null, question: { caseCategories: ['sexual_violence'] } }), 'excluded_recipient'],
    ['unknown case categories count as every category', facts({ policy: governmentExcluded, recipientOrganizationType: 'government', question: { caseCategories: null } }), 'excluded_recipient'],
    ['an exclusion wins over an override', facts({ policy: governmentExcluded, recipientOrganizationType: 'government', question: { caseCategories: ['sexual_violence'] }, fields: ['protection.riskLevel'], overrides: [override()] }), 'excluded_recipient'],
    ['no agreement at all', facts({ agreements: [] }), 'no_agreement'],
    ['an agreement one party has not accepted', facts({ agreements: [agreement({ acceptedByOrganizationIds: [OWNER] })] }), 'no_agreement'],
    ['an agreement past its review date', facts({ agreements: [agreement({ reviewDate: '2027-02-28' })] }), 'no_agreement'],
    ['an agreement on its review date is still in force', facts({ agreements: [agreement({ reviewDate: '2027-03-01' })] }), 'allowed'],
    ['an agreement without the field group', facts({ fields: ['education.status'], consents: bothConsents({ fieldKeys: ['education.status'] }) }), 'no_agreement'],
    ['an agreement for another purpose', facts({ agreements: [agreement({ purposes: ['case_transfer'] })] }), 'no_agreement'],
    ['an agreement between other organisations', facts({ agreements: [agreement({ partyOrganizationIds: [OWNER, OTHER_ORG], acceptedByOrganizationIds: [OWNER, OTHER_ORG] })] }), 'no_agreement'],
    ['no agreement needed when the network says so', facts({ agreements: [], policy: { ...DEFAULT_POLICY_SETTINGS, requireAgreement: false } }), 'allowed'],
    ['a missing agreement wins over a withdrawal', facts({ agreements: [], consents: bothConsents({ withdrawnAt: at(-1) }) }), 'no_agreement'],
    ['a missing agreement wins over an override', facts({ agreements: [], fields: ['protection.riskLevel'], overrides: [override()] }), 'no_agreement'],
    ['no consent at all', facts({ consents: [] }), 'no_consent'],
    ['consents for another recipient', facts({ consents: bothConsents({ recipientOrganizationIds: [OTHER_ORG] }) }), 'not_in_scope'],
    ['consents for another purpose', facts({ consents: bothConsents({ purposes: ['service_coordination'] }) }), 'not_in_scope'],
    ['consents without this field', facts({ fields: ['health.conditions'] }), 'not_in_scope'],
    ['consents that start tomorrow', facts({ consents: bothConsents({ validFrom: at(1) }) }), 'not_in_scope'],
    ['consents naming neither organisations nor service types cover no one', facts({ consents: bothConsents({ recipientOrganizationIds: [] }) }), 'not_in_scope'],
    ['consents by service type, for a service of that type', facts({ consents: bothConsents({ recipientOrganizationIds: [], serviceTypes: ['psychosocial'] }), question: { recipientServiceType: 'psychosocial' } }), 'allowed'],
    ['consents by service type, for another type', facts({ consents: bothConsents({ recipientOrganizationIds: [], serviceTypes: ['psychosocial'] }), question: { recipientServiceType: 'legal_aid' } }), 'not_in_scope'],
    ['withdrawn consents', facts({ consents: bothConsents({ withdrawnAt: at(-1) }) }), 'withdrawn'],
    ['expired consents', facts({ consents: bothConsents({ expiresAt: at(-1) }) }), 'expired'],
    ['a consent expiring at this very instant', facts({ consents: bothConsents({ expiresAt: NOW }) }), 'expired'],
    ['a single-use consent used up by another referral', facts({ consents: bothConsents({ singleUse: true, consumedAt: at(-1), consumedForReferralId: 'other' }), question: { referralId: REFERRAL } }), 'consumed'],
    ['a single-use consent used up by this referral keeps covering it', facts({ consents: bothConsents({ singleUse: true, consumedAt: at(-1), consumedForReferralId: REFERRAL }), question: { referralId: REFERRAL } }), 'allowed'],
    ['a withdrawal wins over a use', facts({ consents: [consent({ id: 'caregiver', withdrawnAt: at(-1) }), consent({ id: 'child', givenBy: 'child', consumedAt: at(-1), singleUse: true })] }), 'withdrawn'],
    ['a use wins over an expiry', facts({ consents: [consent({ id: 'caregiver', expiresAt: at(-1) }), consent({ id: 'child', givenBy: 'child', consumedAt: at(-2), singleUse: true })] }), 'consumed'],
    ["the child withdrew while the caregiver's consent stands", facts({ consents: [consent({ id: 'caregiver' }), consent({ id: 'child', givenBy: 'child', withdrawnAt: at(-1) })] }), 'withdrawn'],
    ['a withdrawn consent beside an active one of the same person', facts({ consents: [...bothConsents(), consent({ id: 'old', withdrawnAt: at(-1) })] }), 'allowed'],
    ["only the caregiver's consent for a 12-year-old", facts({ consents: [consent()] }), 'policy_unmet'],
    ["only the caregiver's consent for a 4-year-old", facts({ consents: [consent()], caseContext: { childAge: 4, caregiverCanBeAsked: true } }), 'allowed'],
    ["the child's assent beside the caregiver's consent at 12", facts({ consents: [consent(), consent({ givenBy: 'child', kind: 'assent' })] }), 'allowed'],
    ["the child's assent is not enough at 16", facts({ consents: [consent(), consent({ givenBy: 'child', kind: 'assent' })], caseContext: { childAge: 16, caregiverCanBeAsked: true } }), 'policy_unmet'],
    ['no context recorded: both are needed', facts({ consents: [consent()], caseContext: null }), 'policy_unmet'],
    ["caregiver cannot be asked, a 16-year-old's own consent suffices", facts({ consents: [consent({ givenBy: 'child' })], caseContext: { childAge: 16, caregiverCanBeAsked: false } }), 'allowed'],
    ["caregiver cannot be asked, a 12-year-old's consent is not enough", facts({ consents: [consent({ givenBy: 'child' })], caseContext: { childAge: 12, caregiverCanBeAsked: false } }), 'policy_unmet'],
    ['caregiver cannot be asked and age unknown: only an override', facts({ consents: [consent({ givenBy: 'child' })], caseContext: { childAge: null, caregiverCanBeAsked: false } }), 'policy_unmet'],
    ['caregiver cannot be asked, child too young, withdrawn consent', facts({ consents: [consent({ givenBy: 'child', withdrawnAt: at(-1) })], caseContext: { childAge: 12, caregiverCanBeAsked: false } }), 'withdrawn'],
    ['an approved override covers what consent does not', facts({ consents: [consent({ givenBy: 'child' })], caseContext: { childAge: 12, caregiverCanBeAsked: false }, fields: ['protection.riskLevel'], overrides: [override()] }), 'allowed'],
    ['an override with no consent at all', facts({ consents: [], fields: ['health.conditions'], overrides: [override()] }), 'allowed'],
    ['a pending override is no basis', facts({ consents: [], fields: ['health.conditions'], overrides: [override({ approvedAt: null })] }), 'no_consent'],
    ['a revoked override is no basis', facts({ consents: [], fields: ['health.conditions'], overrides: [override({ revokedAt: at(-1) })] }), 'no_consent'],
    ['an expired override is no basis', facts({ consents: [], fields: ['health.conditions'], overrides: [override({ expiresAt: at(-1) })] }), 'no_consent'],
    ['an override for another recipient is no basis', facts({ consents: [], fields: ['health.conditions'], overrides: [override({ recipientOrganizationIds: [OTHER_ORG] })] }), 'no_consent'],
    ['an override never opens a strictly confidential field', facts({ consents: [], fields: ['confidential.perpetratorDetails'], overrides: [override({ fieldKeys: ['confidential.perpetratorDetails'] })] }), 'strictly_confidential'],
  ];

  it.each(table)('%s', (_name, input, expected) => {
    expect(reasonOf(input)).toBe(expected);
  });

  it('covers every denial reason', () => {
    expect(new Set(table.map(([, , expected]) => expected))).toEqual(new Set(['allowed', ...DENIAL_REASONS]));
  });

  it('answers field by field: some allowed, each denied one with its own reason', () => {
    const outcome = decide(
      facts({ fields: ['child.firstName', 'protection.riskLevel', 'health.conditions', 'education.status', 'confidential.notes'] }),
    );
    expect(outcome.allowed).toEqual(['child.firstName', 'protection.riskLevel']);
    expect(outcome.denied).toEqual([
      { field: 'health.conditions', reason: 'not_in_scope' },
      { field: 'education.status', reason: 'no_agreement' },
      { field: 'confidential.notes', reason: 'strictly_confidential' },
    ]);
    expect(outcome.basis).toEqual({ consentIds: ['caregiver', 'child'], overrideIds: [] });
  });

  it('is valid until the earliest expiry among its basis', () => {
    const outcome = decide(
      facts({
        consents: [consent({ id: 'caregiver', expiresAt: at(20) }), consent({ id: 'child', givenBy: 'child', expiresAt: at(9) })],
        fields: ['child.firstName', 'health.conditions'],
        overrides: [override({ expiresAt: at(3) })],
      }),
    );
    expect(outcome.allowed).toEqual(['child.firstName', 'health.conditions']);
    expect(outcome.basis).toEqual({ consentIds: ['caregiver', 'child'], overrideIds: ['o1'] });
    expect(outcome.validUntil).toEqual(at(3));
  });

  it('has no validity when nothing is allowed', () => {
    expect(decide(facts({ consents: [] })).validUntil).toBeNull();
  });

  it('prefers lasting consents to single-use ones, and uses up only single-use ones of its basis', () => {
    const lasting = bothConsents();
    const single = consent({ id: 'single', singleUse: true });
    expect(decide(facts({ consents: [...lasting, single] })).toConsume).toEqual([]);
    const onlySingle = [consent({ id: 'cg', singleUse: true }), consent({ id: 'ch', givenBy: 'child', singleUse: true })];
    expect(decide(facts({ consents: onlySingle })).toConsume).toEqual(['cg', 'ch']);
  });
});

describe('who must consent', () => {
  it.each([
    [{ childAge: 3, caregiverCanBeAsked: true }, 'caregiver:consent'],
    [{ childAge: 6, caregiverCanBeAsked: true }, 'caregiver:consent child:consent|assent'],
    [{ childAge: 14, caregiverCanBeAsked: true }, 'caregiver:consent child:consent|assent'],
    [{ childAge: 15, caregiverCanBeAsked: true }, 'caregiver:consent child:consent'],
    [{ childAge: 15, caregiverCanBeAsked: false }, 'child:consent'],
    [{ childAge: 14, caregiverCanBeAsked: false }, 'override only'],
    [null, 'caregiver:consent child:consent|assent'],
  ] as const)('for %o: %s', (context, expected) => {
    const requirement = whoMustConsent(DEFAULT_POLICY_SETTINGS, context);
    const text =
      requirement.kind === 'override_only' ? 'override only' : requirement.parties.map((p) => `${p.party}:${p.kinds.join('|')}`).join(' ');
    expect(text).toBe(expected);
  });
});

// ——— properties ———

const orgs = [RECIPIENT, OTHER_ORG];
const keys = FIELD_CATALOGUE.map((f) => f.key);
const groups = [...new Set(FIELD_CATALOGUE.map((f) => f.group))];
const dateArb = fc.integer({ min: -40, max: 40 }).map(at);

const scopeArb = {
  recipientOrganizationIds: fc.subarray(orgs),
  serviceTypes: fc.subarray(['psychosocial', 'health']),
  fieldKeys: fc.subarray(keys),
  purposes: fc.subarray(['referral', 'case_transfer']),
};

const consentArb: fc.Arbitrary<ConsentFacts> = fc.record({
  id: fc.uuid(),
  givenBy: fc.constantFrom('child' as const, 'caregiver' as const),
  kind: fc.constantFrom('consent' as const, 'assent' as const),
  ...scopeArb,
  validFrom: fc.integer({ min: -40, max: 5 }).map(at),
  expiresAt: dateArb,
  singleUse: fc.boolean(),
  withdrawnAt: fc.option(dateArb, { nil: null }),
  consumedAt: fc.option(dateArb, { nil: null }),
  consumedForReferralId: fc.option(fc.constantFrom(REFERRAL, 'other'), { nil: null }),
});

const overrideArb: fc.Arbitrary<OverrideFacts> = fc.record({
  id: fc.uuid(),
  ...scopeArb,
  validFrom: fc.integer({ min: -40, max: 5 }).map(at),
  expiresAt: dateArb,
  approvedAt: fc.option(dateArb, { nil: null }),
  revokedAt: fc.option(dateArb, { nil: null }),
});

const factsArb: fc.Arbitrary<DecisionFacts> = fc.record({
  question: fc.record({
    ownerOrganizationId: fc.constant(OWNER),
    recipientOrganizationId: fc.constantFrom(...orgs),
    recipientServiceType: fc.option(fc.constantFrom('psychosocial', 'health'), { nil: null }),
    purpose: fc.constantFrom('referral', 'case_transfer'),
    fieldKeys: fc.subarray(keys, { minLength: 1 }),
    caseCategories: fc.option(fc.subarray(['neglect', 'sexual_violence']), { nil: null }),
    referralId: fc.option(fc.constantFrom(REFERRAL), { nil: null }),
  }),
  consents: fc.array(consentArb, { maxLength: 5 }),
  overrides: fc.array(overrideArb, { maxLength: 2 }),
  agreements: fc.array(
    fc.record({
      id: fc.uuid(),
      partyOrganizationIds: fc.subarray([OWNER, ...orgs], { minLength: 1 }),
      dataGroups: fc.subarray(groups),
      purposes: fc.subarray(['referral', 'case_transfer']),
      reviewDate: fc.constantFrom('2027-01-01', '2027-03-01', '2028-01-01'),
      acceptedByOrganizationIds: fc.subarray([OWNER, ...orgs]),
    }),
    { maxLength: 2 },
  ),
  policy: fc.record({
    assentFromAge: fc.integer({ min: 0, max: 10 }),
    childConsentFromAge: fc.integer({ min: 10, max: 18 }),
    childConsentAloneFromAge: fc.integer({ min: 10, max: 18 }),
    requireAgreement: fc.boolean(),
    recipientExclusions: fc.subarray([{ organizationType: 'government' as const, caseCategories: ['sexual_violence' as const] }]),
  }),
  caseContext: fc.option(fc.record({ childAge: fc.option(fc.integer({ min: 0, max: 17 }), { nil: null }), caregiverCanBeAsked: fc.boolean() }), { nil: null }),
  recipientOrganizationType: fc.option(fc.constantFrom('ngo', 'government'), { nil: null }),
  now: fc.constant(NOW),
});

describe('the sharing decision, as properties', () => {
  it('allows only requested fields that some basis in its answer names for this recipient and purpose', () => {
    fc.assert(
      fc.property(factsArb, (input) => {
        const outcome = decide(input);
        const basis = [
          ...input.consents.filter((c) => outcome.basis.consentIds.includes(c.id)),
          ...input.overrides.filter((o) => outcome.basis.overrideIds.includes(o.id)),
        ];
        for (const field of outcome.allowed) {
          expect(input.question.fieldKeys).toContain(field);
          expect(basis.some((scope) => scope.fieldKeys.includes(field) && scope.purposes.includes(input.question.purpose))).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('answers every requested field exactly once', () => {
    fc.assert(
      fc.property(factsArb, (input) => {
        const outcome = decide(input);
        const answered = [...outcome.allowed, ...outcome.denied.map((d) => d.field)];
        expect(answered.sort()).toEqual([...input.question.fieldKeys].sort());
      }),
      { numRuns: 300 },
    );
  });

  it('never allows a strictly confidential field', () => {
    fc.assert(
      fc.property(factsArb, (input) => {
        for (const field of decide(input).allowed) expect(isShareable(field)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('allows nothing once every consent is withdrawn or expired and no override is active', () => {
    fc.assert(
      fc.property(
        factsArb,
        fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
        (input, withdraw) => {
          const ended = input.consents.map((c, i) => (withdraw[i] ? { ...c, withdrawnAt: at(-1) } : { ...c, expiresAt: at(-1) }));
          const outcome = decide({ ...input, consents: ended, overrides: [] });
          expect(outcome.allowed).toEqual([]);
          expect(outcome.basis).toEqual({ consentIds: [], overrideIds: [] });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never rests on a withdrawn, expired or not yet started consent, nor on an unapproved override', () => {
    fc.assert(
      fc.property(factsArb, (input) => {
        const outcome = decide(input);
        for (const id of outcome.basis.consentIds) {
          const used = input.consents.find((c) => c.id === id);
          expect(used?.withdrawnAt).toBeNull();
          expect(used!.expiresAt.getTime()).toBeGreaterThan(NOW.getTime());
          expect(used!.validFrom.getTime()).toBeLessThanOrEqual(NOW.getTime());
        }
        for (const id of outcome.basis.overrideIds) {
          const used = input.overrides.find((o) => o.id === id);
          expect(used?.approvedAt).not.toBeNull();
          expect(used?.revokedAt).toBeNull();
        }
      }),
      { numRuns: 300 },
    );
  });

  it('labels every allowed field with a catalogue group the agreement covers when one is required', () => {
    fc.assert(
      fc.property(factsArb, (input) => {
        if (!input.policy.requireAgreement) return;
        for (const field of decide(input).allowed) {
          const group = fieldByKey(field)?.group;
          expect(input.agreements.some((a) => group !== undefined && a.dataGroups.includes(group))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
