import type { Principal } from '@referral-hub/platform';
import { findHistory } from '../data-access/history.js';
import type { ReferralDeps } from './deps.js';
import { findVisibleReferral } from './find-visible-referral.js';

export type HistoryEntry = {
  id: string;
  action: string;
  fromStatus: string | null;
  toStatus: string;
  actor: { userId: string; organizationId: string } | null;
  /** How the step came: `api` (console and API clients), `email_link`, `sms` or `ussd`. */
  channel: 'api' | 'email_link' | 'sms' | 'ussd';
  /** The focal point who took the step through a channel; null otherwise. */
  actorFocalPointId: string | null;
  reasonCode: string | null;
  note: string | null;
  suggestedServiceId: string | null;
  fieldKeys: string[];
  consentIds: string[];
  occurredAt: string;
};

/**
 * The referral's history for either side: every step and loss of access,
 * with who, which organisation, when and why. Notes are opened here only.
 *
 * @throws AppError 403 for a role that handles no referrals, 404 when not visible.
 */
export async function getReferralHistory(deps: ReferralDeps, principal: Principal, id: string): Promise<{ items: HistoryEntry[] }> {
  const row = await findVisibleReferral(deps, principal, id);
  const rows = await findHistory(deps.db.client, row.id);
  return {
    items: rows.map((h) => ({
      id: h.id,
      action: h.action,
      fromStatus: h.fromStatus,
      toStatus: h.toStatus,
      actor: h.actorUserId === null || h.actorOrganizationId === null ? null : { userId: h.actorUserId, organizationId: h.actorOrganizationId },
      channel: h.channel as HistoryEntry['channel'],
      actorFocalPointId: h.actorFocalPointId,
      reasonCode: h.reasonCode,
      note:
        h.noteKeyId === null || h.noteCiphertext === null
          ? null
          : String(deps.cipher.open({ keyId: h.noteKeyId, ciphertext: Buffer.from(h.noteCiphertext) }, row.id)),
      suggestedServiceId: h.suggestedServiceId,
      fieldKeys: h.fieldKeys,
      consentIds: h.consentIds,
      occurredAt: h.occurredAt.toISOString(),
    })),
  };
}
