import { expandFieldSelectors } from '@referral-hub/contracts';
import { forbidden, validationError } from '@referral-hub/platform';
import type { FieldError, IdempotentAttempt, Outbox, Principal } from '@referral-hub/platform';
import type pg from 'pg';
import { asSqlClient, inSqlTransaction } from '../data-access/database.js';
import type { ConsentDatabase } from '../data-access/database.js';
import { insertConsumingDecisionRow, insertDecisionRow, readDecisionFacts } from '../data-access/decision-facts.js';
import type { ConsentFactRow, NewDecisionRow, Queryable } from '../data-access/decision-facts.js';
import { findDecision } from '../data-access/decisions.js';
import { can, ownerRelationship } from './access.js';
import type { PolicyCache } from './current-policy.js';
import { decide } from './decide.js';
import type { ConsentFacts } from './decide.js';
import { toDecision } from './decision.js';
import type { Decision, DecisionRequest } from './decision.js';
import type { ConsentKindCode, ConsentParty } from './policy.js';
import { committedEarlier, FIRST_RUN, newRowId } from './resume-after-crash.js';

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
  deps: {
    db: ConsentDatabase;
    pool: pg.Pool;
    policies: PolicyCache;
    outbox: Outbox;
    trustedSystemClients: readonly string[];
  },
  principal: Principal,
  input: DecisionRequest,
  now: Date = new Date(),
  attempt: IdempotentAttempt = FIRST_RUN,
): Promise<Decision> {
  const relationships = ownerRelationship(principal, input.ownerOrganizationId);
  if (!can(principal, 'decision.ask', relationships).allowed) {
    throw forbidden("Only the referrals service, or the case team of the case's own organisation, can ask for a sharing decision.");
  }
  // The `system` grant reaches every organisation's cases, so it is kept to the machine
  // clients the network trusts with that (the referrals service), not any NGO system.
  if (!relationships.includes('owner') && !deps.trustedSystemClients.includes(principal.userId)) {
    throw forbidden('This machine client is not trusted to ask sharing decisions for other organisations.');
  }
  const consume = input.consume ?? false;
  if (consume && !can(principal, 'decision.consume', relationships).allowed) {
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
  const decideWith = async (db: Queryable): Promise<{ row: NewDecisionRow; toConsume: string[] }> => {
    const policyAsked = deps.policies.held();
    const facts = await readDecisionFacts(db, {
      organizationId: owner,
      caseCode: input.caseCode,
      recipientOrganizationId: input.recipientOrganizationId,
      lock: consume,
      knownPolicyVersion: policyAsked?.version ?? null,
    });
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
      consents: facts.consents.map(toConsentFacts),
      overrides: facts.overrides,
      agreements: facts.agreements,
      policy: deps.policies.inForce(facts.policy, policyAsked),
      caseContext: facts.caseContext,
      recipientOrganizationType: facts.recipientOrganizationType,
      now,
    });
    const row: NewDecisionRow = {
      id: newRowId(attempt),
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
      validUntil: outcome.validUntil,
      referralId: input.referralId ?? null,
      requestedBy: principal.userId,
      requestedByOrganizationId: principal.organizationId,
      createdAt: now,
    };
    return { row, toConsume: outcome.toConsume };
  };

  if (!consume) {
    // Reads, then one INSERT: no transaction, two round trips (see docs/benchmarks/consent-decisions.md).
    const { row } = await decideWith(deps.pool);
    await insertDecisionRow(deps.pool, row);
    return toDecision({ ...row, consumedConsentIds: [] });
  }
  // A consuming decision locks the case's consents as it reads them, uses up what it rests on,
  // stores itself and announces each use, in one transaction of as few round trips as that takes
  // (BEGIN, the locking read, the update and insert in one statement, the outbox, COMMIT).
  return inSqlTransaction(deps.pool, async (client) => {
    const { row, toConsume } = await decideWith(client);
    const consumed = await insertConsumingDecisionRow(client, row, toConsume);
    const tx = asSqlClient(client);
    for (const consentId of consumed) {
      await deps.outbox.publish(
        tx,
        'consent.consumed',
        { consentId, caseCode: input.caseCode, organizationId: owner, decisionId: row.id, consumedAt: now.toISOString() },
        { subject: consentId },
      );
    }
    return toDecision({ ...row, consumedConsentIds: consumed });
  });
}

/** A consent as the facts query reads it, as the decision function sees it (its codes are checked by the table). */
function toConsentFacts(row: ConsentFactRow): ConsentFacts {
  return { ...row, givenBy: row.givenBy as ConsentParty, kind: row.kind as ConsentKindCode };
}
