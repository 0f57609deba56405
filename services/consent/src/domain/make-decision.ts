import { expandFieldSelectors } from '@referral-hub/contracts';
import { forbidden, validationError } from '@referral-hub/platform';
import type { FieldError, IdempotentAttempt, Outbox, Principal } from '@referral-hub/platform';
import { findAgreementsBetween } from '../data-access/agreements.js';
import { findCaseContext } from '../data-access/case-context.js';
import { findConsentsOfCase, lockConsentsOfCase, markConsumed } from '../data-access/consents.js';
import type { ConsentDatabase, Tx } from '../data-access/database.js';
import { findDecision, insertDecision } from '../data-access/decisions.js';
import { findOrganizationTypes } from '../data-access/organizations.js';
import { findOverridesOfCase } from '../data-access/overrides.js';
import { mayAct, ownerRelationship } from './access.js';
import { toAgreementFacts } from './agreement.js';
import { toConsentFacts } from './consent.js';
import { currentPolicy } from './current-policy.js';
import { decide } from './decide.js';
import { toDecision } from './decision.js';
import type { Decision, DecisionRequest } from './decision.js';
import { toOverrideFacts } from './override.js';
import { announce } from './announce.js';
import { committedEarlier, FIRST_RUN, newRowId } from './resume-after-crash.js';
import type { ConsentTexts } from '../data-access/sealed-texts.js';

/**
 * Decides which of the requested fields may go to the recipient for the purpose now, stores the
 * decision, and (with `consume`) uses up the single-use consents it rests on.
 *
 * Who may ask: the referrals service (`system`) for any owning organisation, and the owning
 * organisation's case team for a preview, which never consumes. Consumption is atomic: the
 * case's consents are locked (`FOR UPDATE`) before they are read, so of two concurrent decisions
 * under one single-use consent the second sees it used up and its fields are denied `consumed`.
 * Each used-up consent is announced as `consent.consumed` in the same transaction.
 *
 * Under an `Idempotency-Key`, the decision's id is the key's claim id. A retry resuming a run that
 * crashed after its commit (the decision stored, its consents used up) answers that decision and
 * consumes nothing more; when the first run committed nothing, the retry decides afresh.
 *
 * @throws AppError 403 for a caller who may not ask (or consume), 400 naming unknown field
 * selectors or a consuming decision without `referralId`.
 */
export async function makeDecision(
  deps: { db: ConsentDatabase; texts: ConsentTexts; outbox: Outbox; trustedSystemClients: readonly string[] },
  principal: Principal,
  input: DecisionRequest,
  now: Date = new Date(),
  attempt: IdempotentAttempt = FIRST_RUN,
): Promise<Decision> {
  const relationships = ownerRelationship(principal, input.ownerOrganizationId);
  if (!mayAct(principal, 'decision.ask', relationships)) {
    throw forbidden("Only the referrals service, or the case team of the case's own organisation, can ask for a sharing decision.");
  }
  // The `system` grant reaches every organisation's cases, so it is kept to the machine
  // clients the network trusts with that (the referrals service), not any NGO system.
  if (!relationships.includes('owner') && !deps.trustedSystemClients.includes(principal.userId)) {
    throw forbidden('This machine client is not trusted to ask sharing decisions for other organisations.');
  }
  const consume = input.consume ?? false;
  if (consume && !mayAct(principal, 'decision.consume', relationships)) {
    throw forbidden('Only the referrals service can use up single-use consents; a case team may ask for a preview without consume.');
  }

  // After the checks of who may ask (a stored decision is answered only to whom may ask it again).
  const earlier = await committedEarlier(
    attempt,
    (id) => findDecision(deps.db.client, id),
    (row) => row.requestedByOrganizationId === principal.organizationId && row.organizationId === input.ownerOrganizationId,
  );
  if (earlier !== null) return toDecision(earlier);

  const errors: FieldError[] = [];
  input.fields.forEach((selector, index) => {
    if (!expandFieldSelectors([selector]).ok) {
      errors.push({ field: `body.fields[${index}]`, message: 'is neither a field key nor a group of the field catalogue', code: 'unknown_field' });
    }
  });
  if (consume && input.referralId === undefined) {
    errors.push({ field: 'body.referralId', message: 'is required to use up single-use consents', code: 'required' });
  }
  if (errors.length > 0) throw validationError(errors, 'The decision cannot be made as asked.');
  const expansion = expandFieldSelectors(input.fields);
  if (!expansion.ok) throw validationError([{ field: 'body.fields', message: 'has unknown selectors', code: 'unknown_field' }]);

  const owner = input.ownerOrganizationId;
  const decideWith = async (tx: Tx): Promise<Decision> => {
    if (consume) await lockConsentsOfCase(tx, owner, input.caseCode);
    const [consents, overrides, agreements, policy, context, types] = await Promise.all([
      findConsentsOfCase(tx, deps.texts, owner, input.caseCode),
      findOverridesOfCase(tx, deps.texts, owner, input.caseCode),
      findAgreementsBetween(tx, owner, input.recipientOrganizationId),
      currentPolicy(tx),
      findCaseContext(tx, owner, input.caseCode),
      findOrganizationTypes(tx, [input.recipientOrganizationId]),
    ]);
    const outcome = decide({
      question: {
        ownerOrganizationId: owner,
        recipientOrganizationId: input.recipientOrganizationId,
        recipientServiceType: input.recipientServiceType ?? null,
        purpose: input.purpose,
        fieldKeys: expansion.keys,
        caseCategories: input.caseCategories ?? null,
        referralId: input.referralId ?? null,
      },
      consents: consents.map(toConsentFacts),
      overrides: overrides.map(toOverrideFacts),
      agreements: agreements.map(toAgreementFacts),
      policy,
      caseContext: context === null ? null : { childAge: context.childAge, caregiverCanBeAsked: context.caregiverCanBeAsked },
      recipientOrganizationType: types.get(input.recipientOrganizationId) ?? null,
      now,
    });

    const id = newRowId(attempt);
    const consumed = consume
      ? await markConsumed(tx, { ids: outcome.toConsume, decisionId: id, referralId: input.referralId ?? null, at: now })
      : [];
    const row = await insertDecision(tx, {
      id,
      organizationId: owner,
      caseCode: input.caseCode,
      recipientOrganizationId: input.recipientOrganizationId,
      recipientServiceType: input.recipientServiceType ?? null,
      purpose: input.purpose,
      requestedFields: input.fields,
      allowed: outcome.allowed,
      denied: outcome.denied,
      consentIds: outcome.basis.consentIds,
      overrideIds: outcome.basis.overrideIds,
      consumedConsentIds: consumed,
      validUntil: outcome.validUntil,
      referralId: input.referralId ?? null,
      requestedBy: principal.userId,
      requestedByOrganizationId: principal.organizationId,
      createdAt: now,
    });
    for (const consentId of consumed) {
      await announce(
        deps.outbox,
        tx,
        'consent.consumed',
        { consentId, caseCode: input.caseCode, organizationId: owner, decisionId: id, consumedAt: now.toISOString() },
        consentId,
      );
    }
    return toDecision(row);
  };
  // A consuming decision locks, updates and announces: one transaction. Otherwise the decision
  // only reads and then writes one row, so it runs without a transaction and its reads run in
  // parallel on the pool (about 1.7 times the throughput; see docs/benchmarks/consent-decisions.md).
  return consume ? deps.db.transaction(decideWith) : decideWith(deps.db.client);
}
