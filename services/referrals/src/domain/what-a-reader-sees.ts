import { randomUUID } from 'node:crypto';
import { currentRequestId, UpstreamUnavailableError } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';
import { widenReadableKeys } from '../data-access/referrals.js';
import type { ReferralRow } from '../data-access/referrals.js';
import type { ReferralDeps } from './deps.js';
import { openNeedText } from './need-text.js';
import { toReferralEnvelope } from './referral.js';
import type { ReferralView } from './referral.js';

/*
 * What a reader of a referral sees: the rule in one place.
 *
 * - The referring organisation sees what its lead proposed (unless a transfer moved the lead role away).
 * - The receiving organisation sees the envelope plus only the shared fields the consent service
 *   allows AT THE MOMENT OF THE READ: every read asks consent for a fresh, non-consuming decision
 *   (one round trip, nothing cached). So once consent has answered a withdrawal (or an expiry has
 *   passed, or an override was revoked), no read started afterwards returns a field it covered,
 *   whether or not the `consent.*` event has reached this service (ADR 7). When consent cannot be
 *   asked, the read fails closed to the envelope.
 * - Every read from outside the referring organisation is written to the access log with exactly
 *   the keys returned and the decision they rest on.
 *
 * The events only drive what follows a loss of access (history, `referral.access_revoked`, the
 * lead's notice): `revoke-access.ts`. A read tells it what the recipient could read
 * (`widenReadableKeys`), so a later loss names every field lost, once.
 *
 * Faster reads later: validate a cached decision against a per-case version owned by consent, in
 * the same single round trip, inside `allowedNow`; nothing else here needs to change.
 */

type Access = ReferralView['access'];

/** Statuses in which the recipient no longer needs the case fields: it declined, or the lead withdrew or closed. */
export const RECIPIENT_DONE: ReadonlySet<string> = new Set(['declined', 'withdrawn', 'closed']);

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
 * The keys the recipient may read now, among those shared at submit, from a fresh
 * (non-consuming) decision asked at this moment; never from a cache.
 *
 * What the decision allows and rests on is remembered on the referral (only ever widened here,
 * and only if no loss of access was recorded since `row` was read), so that the end of any of
 * those bases is recognised as a loss of exactly those fields.
 *
 * @throws UpstreamUnavailableError when the consent service cannot be asked.
 */
export async function allowedNow(deps: ReferralDeps, row: ReferralRow): Promise<{ keys: string[]; decisionId: string | null }> {
  if (row.sharedFieldKeys.length === 0) return { keys: [], decisionId: row.decisionId };
  const decision = await deps.consent.decide(decisionRequestFor(row, row.sharedFieldKeys));
  const keys = row.sharedFieldKeys.filter((k) => decision.allowed.includes(k));
  // What the access rests on: consents and best-interests overrides (either ending revokes it).
  const basisIds = [...decision.basis.consentIds, ...decision.basis.overrideIds];
  // Already held by the row as read: the update would change nothing (it only widens, and not at all
  // once the generation moved on), so the round trip is spared. Otherwise the row is widened.
  const held = (row.accessAllowedKeys as string[] | null) ?? row.sharedFieldKeys;
  if (!(keys.every((k) => held.includes(k)) && basisIds.every((b) => row.consentIds.includes(b)))) {
    await widenReadableKeys(deps.db.client, { id: row.id, generation: row.accessGeneration, keys, basisIds });
  }
  return { keys, decisionId: decision.id };
}

/**
 * The referral as `principal` may see it, by the rule above, and (for a read from outside the
 * referring organisation) its access log entry. With `read: false` (the answer to a step) the
 * receiving side gets the envelope alone and nothing is logged.
 *
 * The caller has already established that the principal is on one side of the referral.
 */
export async function viewReferral(
  deps: ReferralDeps,
  principal: Principal,
  row: ReferralRow,
  options: { read: boolean } = { read: true },
): Promise<ReferralView> {
  const envelope = toReferralEnvelope(row, openNeedText(deps.cipher, row));
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
      if (!(error instanceof UpstreamUnavailableError)) throw error;
      access = { level: 'envelope', fieldKeys: [], decisionId: null, restricted: 'consent_unavailable', sharedFieldKeys: shared };
    }
  }

  if (!fromReferringOrg && options.read) {
    // Shared with the reads writing at the same moment (one statement), committed before the answer.
    await deps.accessLog.write({
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
