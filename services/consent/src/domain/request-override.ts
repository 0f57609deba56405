import { expandFieldSelectors } from '@referral-hub/contracts';
import { validationError } from '@referral-hub/platform';
import type { IdempotentAttempt, Principal } from '@referral-hub/platform';
import type { ConsentDatabase } from '../data-access/database.js';
import { findOverride, insertOverride } from '../data-access/overrides.js';
import { requireAccess } from './access.js';
import { currentPolicy } from './current-policy.js';
import { committedEarlier, FIRST_RUN, newRowId } from './resume-after-crash.js';
import { toOverride } from './override.js';
import type { NewOverride, Override } from './override.js';
import { checkFieldSelectors, checkValidity } from './scope.js';
import type { ConsentTexts } from '../data-access/sealed-texts.js';

/**
 * A caseworker asks to share a case of their organisation without sufficient consent, in the
 * child's best interests: with the legal basis, the justification and what was explained to the
 * child and family, a scope like a consent's (never strictly confidential fields) and a short
 * validity (the network's maximum, 30 days by default). It counts for nothing until a
 * supervisor approves it.
 *
 * Under an `Idempotency-Key`, the override's id is the key's claim id: a retry resuming a run that
 * crashed after its commit answers the override that committed, never a second one.
 *
 * @throws AppError 403 for a role that may not, 400 naming each bad field.
 */
export async function requestOverride(
  deps: { db: ConsentDatabase; texts: ConsentTexts },
  principal: Principal,
  input: NewOverride,
  now: Date = new Date(),
  attempt: IdempotentAttempt = FIRST_RUN,
): Promise<Override> {
  requireAccess(principal, 'override.request', ['owner'], 'Only a caseworker can request a best-interests override.');
  const earlier = await committedEarlier(
    attempt,
    (id) => findOverride(deps.db.client, deps.texts, id),
    (row) => row.organizationId === principal.organizationId,
  );
  if (earlier !== null) return toOverride(earlier, now);
  const policy = await currentPolicy(deps.db.client);
  const validFrom = input.validFrom === undefined ? now : new Date(input.validFrom);
  const expiresAt = new Date(input.expiresAt);
  const errors = [
    ...checkFieldSelectors(input.scope.fields),
    ...checkValidity({
      validFrom,
      expiresAt,
      validFromGiven: input.validFrom !== undefined,
      now,
      maxDays: policy.maxOverrideValidityDays,
      what: 'an override',
    }),
  ];
  if (errors.length > 0) throw validationError(errors, 'The override cannot be requested as given.');
  const expansion = expandFieldSelectors(input.scope.fields);
  if (!expansion.ok) throw validationError([{ field: 'body.scope.fields', message: 'has unknown selectors', code: 'unknown_field' }]);

  const row = await insertOverride(deps.db.client, deps.texts, {
    id: newRowId(attempt),
    organizationId: principal.organizationId,
    caseCode: input.caseCode,
    legalBasis: input.legalBasis,
    justification: input.justification,
    explanationGiven: input.explanationGiven,
    recipientOrganizationIds: input.scope.recipientOrganizationIds,
    serviceTypes: input.scope.serviceTypes ?? [],
    fields: input.scope.fields,
    fieldKeys: expansion.keys,
    purposes: input.scope.purposes,
    validFrom,
    expiresAt,
    requestedBy: principal.userId,
  });
  return toOverride(row, now);
}
