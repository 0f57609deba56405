import { randomUUID } from 'node:crypto';
import { currentRequestId } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import { insertAccessLog } from '../data-access/history.js';
import { cacheAccess, findCachedAccess } from '../data-access/referrals.js';
import type { ReferralRow } from '../data-access/referrals.js';
import { ConsentUnavailableError } from '../gateways/consent-client.js';
import type { ReferralDeps } from './deps.js';
import { toReferralEnvelope } from './referral.js';
import type { ReferralView } from './referral.js';

type Access = ReferralView['access'];

/** Statuses in which the recipient no longer needs the case fields: it declined, or the lead withdrew or closed. */
const RECIPIENT_DONE = new Set(['declined', 'withdrawn', 'closed']);

/** The purpose a referral's sharing serves, in the consent service's words. */
export function purposeOf(row: ReferralRow): 'referral' | 'case_transfer' {
  return row.kind === 'transfer' ? 'case_transfer' : 'referral';
}

type DecisionRequest = Parameters<ReferralDeps['consent']['decide']>[0];

/** The sharing question a referral asks consent, for `fields` (at submit, on a read, when a basis ends). */
export function decisionRequestFor(row: ReferralRow, fields: readonly string[], options: { consume?: boolean } = {}): DecisionRequest {
  return {
    caseCode: row.caseCode,
    ownerOrganizationId: row.referringOrganizationId,
    recipientOrganizationId: row.recipientOrganizationId,
    ...(row.recipientServiceType === null ? {} : { recipientServiceType: row.recipientServiceType }),
    purpose: purposeOf(row),
    fields: [...fields],
    caseCategories: row.caseCategories as NonNullable<DecisionRequest['caseCategories']>,
    ...(options.consume === true ? { consume: true } : {}),
    referralId: row.id,
  };
}

function openPayload(deps: ReferralDeps, row: ReferralRow): Record<string, unknown> {
  if (row.payloadKeyId === null || row.payloadCiphertext === null) return {};
  const opened = deps.cipher.open({ keyId: row.payloadKeyId, ciphertext: Buffer.from(row.payloadCiphertext) }, row.id);
  return typeof opened === 'object' && opened !== null ? (opened as Record<string, unknown>) : {};
}

function pick(payload: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of keys) if (key in payload) picked[key] = payload[key];
  return picked;
}

/**
 * The keys the recipient may read now, among those shared at submit: the
 * cached decision while no `consent.*` event for the case has come and it has
 * not expired, or else a fresh (non-consuming) decision, cached unless a
 * consent event came in the meantime.
 *
 * @throws ConsentUnavailableError when the consent service cannot be asked.
 */
export async function allowedNow(deps: ReferralDeps, row: ReferralRow): Promise<{ keys: string[]; decisionId: string | null }> {
  if (row.sharedFieldKeys.length === 0) return { keys: [], decisionId: row.decisionId };
  const now = deps.now();
  const cached = await findCachedAccess(deps.db.client, row.id);
  if (cached !== null && cached.decisionId !== null && cached.allowedKeys !== null && (cached.validUntil === null || cached.validUntil > now)) {
    return { keys: row.sharedFieldKeys.filter((k) => cached.allowedKeys?.includes(k)), decisionId: cached.decisionId };
  }
  const decision = await deps.consent.decide(decisionRequestFor(row, row.sharedFieldKeys));
  const keys = row.sharedFieldKeys.filter((k) => decision.allowed.includes(k));
  if (cached !== null) {
    await cacheAccess(deps.db.client, {
      id: row.id,
      generation: cached.generation,
      allowedKeys: keys,
      decisionId: decision.id,
      validUntil: decision.validUntil === null ? null : new Date(decision.validUntil),
      // What the access rests on: consents and best-interests overrides (either ending revokes it).
      consentIds: [...decision.basis.consentIds, ...decision.basis.overrideIds],
    });
  }
  return { keys, decisionId: decision.id };
}

/**
 * The referral as `principal` may see it. The referring organisation sees
 * what its lead proposed (unless a transfer moved the lead role away); the
 * receiving organisation sees the envelope plus only the fields the consent
 * service allows at this moment, failing closed to the envelope when it
 * cannot be asked. Every read from outside the referring organisation is
 * written to the access log with exactly the keys returned.
 *
 * The caller has already established that the principal is on one side of the referral.
 */
export async function viewReferral(
  deps: ReferralDeps,
  principal: Principal,
  row: ReferralRow,
  options: { read: boolean } = { read: true },
): Promise<ReferralView> {
  const envelope = toReferralEnvelope(row);
  const shared = row.sharedFieldKeys;
  const fromReferringOrg = principal.organizationId === row.referringOrganizationId;

  let payload: Record<string, unknown> = {};
  let access: Access;
  if (fromReferringOrg && (row.leadOrganizationId ?? row.referringOrganizationId) !== row.referringOrganizationId) {
    // A transfer accepted elsewhere: the case has left this organisation, and its payload with it.
    access = { level: 'envelope', fieldKeys: [], decisionId: null, restricted: 'transferred', sharedFieldKeys: shared };
  } else if (fromReferringOrg) {
    payload = openPayload(deps, row);
    access = { level: 'proposer', fieldKeys: Object.keys(payload), decisionId: row.decisionId, restricted: null, sharedFieldKeys: shared };
  } else if (!options.read || RECIPIENT_DONE.has(row.status)) {
    access = { level: 'envelope', fieldKeys: [], decisionId: null, restricted: null, sharedFieldKeys: shared };
  } else {
    try {
      const allowed = await allowedNow(deps, row);
      payload = pick(openPayload(deps, row), allowed.keys);
      const keys = Object.keys(payload);
      access = { level: keys.length > 0 ? 'consented' : 'envelope', fieldKeys: keys, decisionId: allowed.decisionId, restricted: null, sharedFieldKeys: shared };
    } catch (error) {
      if (!(error instanceof ConsentUnavailableError)) throw error;
      access = { level: 'envelope', fieldKeys: [], decisionId: null, restricted: 'consent_unavailable', sharedFieldKeys: shared };
    }
  }

  if (!fromReferringOrg && options.read) {
    await insertAccessLog(deps.db.client, {
      id: randomUUID(),
      referralId: row.id,
      readerUserId: principal.userId,
      readerOrganizationId: principal.organizationId,
      fieldKeys: access.fieldKeys,
      decisionId: access.decisionId,
      restrictedReason: access.restricted,
      requestId: currentRequestId() ?? null,
      readAt: deps.now(),
    });
  }
  return { ...envelope, payload, access };
}
