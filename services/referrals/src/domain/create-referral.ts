import { randomBytes, randomUUID } from 'node:crypto';
import { validatePayload } from '@referral-hub/contracts';
import { forbidden, hasRole, unprocessable, validationError } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import { insertHistory } from '../data-access/history.js';
import { findKnownService } from '../data-access/known-services.js';
import { findReferral, insertReferral } from '../data-access/referrals.js';
import type { ReferralRow } from '../data-access/referrals.js';
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

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2002';
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
  if (!hasRole(principal, 'caseworker', 'supervisor', 'system')) throw forbidden('Only caseworkers, supervisors and case-management systems refer.');
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
  // Checked against the local read model of the directory, so referring keeps working while
  // the directory is down: the service must be known, not deleted, the recipient's, active and
  // taking referrals.
  const service = await findKnownService(deps.db.client, input.recipientServiceId.toLowerCase());
  if (service === null || service.deletedAt !== null || service.organizationId !== input.recipientOrganizationId.toLowerCase()) {
    throw unprocessable('The recipient service is not a service of the recipient organisation in the directory.', [
      { field: 'body.recipientServiceId', message: 'is not a current service of the recipient organisation', code: 'unknown_service' },
    ]);
  }
  if (service.status !== 'active' || !service.acceptsReferrals) {
    throw unprocessable('The recipient service does not take referrals now.', [
      {
        field: 'body.recipientServiceId',
        message: service.status !== 'active' ? `is ${service.status.replace('_', ' ')} in the directory` : 'does not accept referrals',
        code: 'not_accepting_referrals',
      },
    ]);
  }
  const id = attempt.id ?? randomUUID();
  const now = deps.now();
  const sealed = deps.cipher.seal(payload, id);
  const caseCategories = [...new Set([input.need.category, ...(input.caseCategories ?? [])])];
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await deps.db.transaction(async (tx) => {
        const row = await insertReferral(tx, {
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
        });
        await insertHistory(tx, {
          id: randomUUID(),
          referralId: id,
          action: 'create',
          fromStatus: null,
          toStatus: 'draft',
          actorUserId: principal.userId,
          actorOrganizationId: principal.organizationId,
          occurredAt: now,
        });
        return row;
      });
    } catch (error) {
      // A code collision (one in tens of millions): draw another.
      if (isUniqueViolation(error) && attempt < 5) continue;
      throw error;
    }
  }
}
