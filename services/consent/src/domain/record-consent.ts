import { expandFieldSelectors } from '@referral-hub/contracts';
import { validationError } from '@referral-hub/platform';
import type { IdempotentAttempt, Outbox, Principal } from '@referral-hub/platform';
import type { ConsentDatabase } from '../data-access/database.js';
import { findConsent, insertConsent } from '../data-access/consents.js';
import { requireAccess } from './access.js';
import { toConsent } from './consent.js';
import type { Consent, NewConsent } from './consent.js';
import { currentPolicy } from './current-policy.js';
import { committedEarlier, FIRST_RUN, newRowId } from './resume-after-crash.js';
import { checkFieldSelectors, checkValidity } from './scope.js';
import type { ConsentTexts } from '../data-access/sealed-texts.js';

/**
 * Records a consent (or assent) for a case of the caller's own organisation,
 * and announces it as `consent.granted` in the same transaction.
 *
 * Only a caseworker or a supervisor may. The scope's field selectors must all
 * be known to the field catalogue and none may be strictly confidential (those
 * never leave the referring agency, whatever the family says); the consent
 * must end after it starts, not already be over, and last no longer than the
 * network's maximum.
 *
 * Under an `Idempotency-Key`, the consent's id is the key's claim id: a retry resuming a run that
 * crashed after its commit answers the consent that committed, never a second one.
 *
 * @throws AppError 403 for another role, 400 naming each bad field.
 */
export async function recordConsent(
  deps: { db: ConsentDatabase; texts: ConsentTexts; outbox: Outbox },
  principal: Principal,
  input: NewConsent,
  now: Date = new Date(),
  attempt: IdempotentAttempt = FIRST_RUN,
): Promise<Consent> {
  requireAccess(principal, 'consent.record', ['owner'], 'Only a caseworker or a supervisor can record a consent.');
  const earlier = await committedEarlier(
    attempt,
    (id) => findConsent(deps.db.client, deps.texts, id),
    (row) => row.organizationId === principal.organizationId,
  );
  if (earlier !== null) return toConsent(earlier, now);

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
      maxDays: policy.maxConsentValidityDays,
      what: 'a consent',
    }),
  ];
  if (input.givenBy === 'caregiver' && input.kind === 'assent') {
    errors.push({ field: 'body.kind', message: 'an assent is given by a child; a caregiver gives consent', code: 'enum' });
  }
  if (errors.length > 0) throw validationError(errors, 'The consent cannot be recorded as given.');

  const expansion = expandFieldSelectors(input.scope.fields);
  // Checked above; kept as a guard so a change to the catalogue API cannot store an unchecked scope.
  if (!expansion.ok) throw validationError([{ field: 'body.scope.fields', message: 'has unknown selectors', code: 'unknown_field' }]);

  return deps.db.transaction(async (tx) => {
    const row = await insertConsent(tx, deps.texts, {
      id: newRowId(attempt),
      organizationId: principal.organizationId,
      caseCode: input.caseCode,
      givenBy: input.givenBy,
      caregiverRelationship: input.caregiverRelationship ?? null,
      kind: input.kind,
      method: input.method,
      formReference: input.formReference ?? null,
      explainedInLanguage: input.explainedInLanguage,
      recipientOrganizationIds: input.scope.recipientOrganizationIds,
      serviceTypes: input.scope.serviceTypes ?? [],
      fields: input.scope.fields,
      fieldKeys: expansion.keys,
      purposes: input.scope.purposes,
      validFrom,
      expiresAt,
      singleUse: input.singleUse ?? false,
      recordedBy: principal.userId,
    });
    await deps.outbox.publish(
      tx,
      'consent.granted',
      {
        consentId: row.id,
        caseCode: row.caseCode,
        organizationId: row.organizationId,
        kind: input.kind,
        purposes: input.scope.purposes,
        recipientOrganizationIds: row.recipientOrganizationIds,
        validFrom: row.validFrom.toISOString(),
        expiresAt: row.expiresAt.toISOString(),
        singleUse: row.singleUse,
      },
      { subject: row.id },
    );
    return toConsent(row, now);
  });
}
