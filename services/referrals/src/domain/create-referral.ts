import { randomBytes, randomUUID } from 'node:crypto';
import { validatePayload } from '@referral-hub/contracts';
import { isUniqueViolation, unprocessable, validationError } from '@referral-hub/platform';
import type { AppError, Principal } from '@referral-hub/platform';
import { insertDraftIfServiceTakesReferrals } from '../data-access/referral-writes.js';
import type { ServiceSeen } from '../data-access/referral-writes.js';
import { findReferral } from '../data-access/referrals.js';
import type { ReferralRow } from '../data-access/referrals.js';
import { requireAccess } from './access.js';
import type { ReferralDeps } from './deps.js';
import { sealNeedText } from './need-text.js';
import type { ReferralKind, Urgency } from './referral.js';

/** What the lead sends to create a draft (validated against the contract before it gets here). */
export type NewReferral = {
  kind?: ReferralKind;
  caseCode: string;
  recipientOrganizationId: string;
  recipientServiceId: string;
  recipientServiceType?: string;
  urgency: Urgency;
  need: { category: string; text: string };
  caseCategories?: string[];
  supervisorUserId?: string;
  payload?: Record<string, unknown>;
};

/** How a create runs under an `Idempotency-Key` (the platform's `IdempotentAttempt`). */
export type CreateAttempt = {
  /** The id to give the referral: the key's claim id, the same for every run under the key. */
  id: string | null;
  /** Set when an earlier run under the key may have committed before its process died. */
  resumedFrom: Date | null;
};

const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** `REF-` and five characters without look-alikes (no I, L, O, U), read out on the phone. */
function newReferralCode(): string {
  return `REF-${[...randomBytes(5)].map((b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join('')}`;
}

/**
 * Creates a draft. The caller becomes the lead caseworker, with the work
 * contact their token carries. The payload is checked against the field
 * catalogue and sealed before it is stored, and so is the need's free text;
 * nothing is shared before submit.
 *
 * Under an `Idempotency-Key` the referral takes the key's claim id, so a retry
 * that takes the key over after a crash finds the draft the first run committed
 * and answers it instead of creating a second one.
 *
 * @throws AppError 403 for a role that does not refer, 400 naming each bad payload field,
 *   422 for a referral to the caller's own organisation.
 */
export async function createReferral(
  deps: ReferralDeps,
  principal: Principal,
  input: NewReferral,
  attempt: CreateAttempt = { id: null, resumedFrom: null },
): Promise<ReferralRow> {
  requireAccess(principal, 'referral.create', [], 'Only caseworkers, supervisors and case-management systems refer.');
  if (attempt.id !== null && attempt.resumedFrom !== null) {
    const committed = await findReferral(deps.db.client, attempt.id);
    if (committed !== null && committed.referringOrganizationId === principal.organizationId) return committed;
  }
  const payload = input.payload ?? {};
  const errors = validatePayload(payload).map((e) => ({
    // Named as the contract validator names them: keys hold dots, so they are bracketed.
    field: e.field === '' ? 'body.payload' : `body.payload[${JSON.stringify(e.field)}]`,
    message: e.message,
    code: e.code,
  }));
  if (errors.length > 0) throw validationError(errors, 'The payload has fields the catalogue does not allow.');
  if (input.recipientOrganizationId.toLowerCase() === principal.organizationId) {
    throw unprocessable('A referral goes to another organisation.', [
      { field: 'body.recipientOrganizationId', message: "is the caller's own organisation", code: 'same_organization' },
    ]);
  }
  const id = attempt.id ?? randomUUID();
  const now = deps.now();
  const sealed = deps.cipher.seal(payload, id);
  const caseCategories = [...new Set([input.need.category, ...(input.caseCategories ?? [])])];
  // Checked against the local read model of the directory, so referring keeps working while the directory is
  // down: the service must be known, not deleted, the recipient's, active and taking referrals. The check and the
  // draft with its history row are one statement (`insertDraftIfServiceTakesReferrals`).
  for (let attempt = 0; ; attempt += 1) {
    try {
      const { service, created } = await insertDraftIfServiceTakesReferrals(
        deps.pool,
        {
          id,
          code: newReferralCode(),
          kind: input.kind ?? 'referral',
          caseCode: input.caseCode,
          status: 'draft',
          urgency: input.urgency,
          referringOrganizationId: principal.organizationId,
          recipientOrganizationId: input.recipientOrganizationId.toLowerCase(),
          recipientServiceId: input.recipientServiceId.toLowerCase(),
          recipientServiceType: input.recipientServiceType ?? null,
          leadOrganizationId: principal.organizationId,
          leadUserId: principal.userId,
          leadName: principal.name ?? null,
          leadEmail: principal.email ?? null,
          leadPhone: principal.phoneNumber ?? null,
          leadLanguage: principal.locale ?? null,
          leadSupervisorUserId: input.supervisorUserId ?? principal.supervisorUserId ?? null,
          createdBy: principal.userId,
          needCategory: input.need.category,
          ...sealNeedText(deps.cipher, input.need.text, id),
          caseCategories,
          proposedFieldKeys: Object.keys(payload),
          payloadKeyId: sealed.keyId,
          payloadCiphertext: new Uint8Array(sealed.ciphertext),
          createdAt: now,
          updatedAt: now,
        },
        {
          id: randomUUID(),
          action: 'create',
          fromStatus: null,
          toStatus: 'draft',
          actorUserId: principal.userId,
          actorOrganizationId: principal.organizationId,
          reasonCode: null,
          noteKeyId: null,
          noteCiphertext: null,
          suggestedServiceId: null,
          fieldKeys: [],
          consentIds: [],
          occurredAt: now,
          channel: 'api',
          actorFocalPointId: null,
        },
      );
      if (created !== null) return created;
      throw serviceRefusal(service, input.recipientOrganizationId.toLowerCase());
    } catch (error) {
      // A code collision (one in tens of millions): draw another.
      if (isUniqueViolation(error) && attempt < 5) continue;
      throw error;
    }
  }
}

/** Why the directory's read model refused the recipient service (the draft was not inserted). */
function serviceRefusal(service: ServiceSeen, recipientOrganizationId: string): AppError {
  if (service === null || service.deleted || service.organizationId !== recipientOrganizationId) {
    return unprocessable('The recipient service is not a service of the recipient organisation in the directory.', [
      { field: 'body.recipientServiceId', message: 'is not a current service of the recipient organisation', code: 'unknown_service' },
    ]);
  }
  return unprocessable('The recipient service does not take referrals now.', [
    {
      field: 'body.recipientServiceId',
      message: service.status !== 'active' ? `is ${service.status.replace('_', ' ')} in the directory` : 'does not accept referrals',
      code: 'not_accepting_referrals',
    },
  ]);
}
