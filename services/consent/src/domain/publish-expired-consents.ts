import type { Outbox } from '@referral-hub/platform';
import { claimExpiredConsents } from '../data-access/consents.js';
import type { ConsentDatabase } from '../data-access/database.js';

/**
 * Announces `consent.expired` once for every consent whose expiry has passed: claims a batch
 * (rows other instances hold are skipped), writes the events to the outbox and marks them
 * announced in the same transaction, and goes on until a batch comes back short. Safe to run on
 * several instances at once. Returns how many were announced.
 *
 * A consent's status never waits for this: a decision treats a consent as expired from the
 * instant of its end. The event tells the referrals service to record what recipients lost.
 */
export async function publishExpiredConsents(
  deps: { db: ConsentDatabase; outbox: Outbox },
  options: { batchSize: number; now?: () => Date },
): Promise<number> {
  const clock = options.now ?? (() => new Date());
  let total = 0;
  for (;;) {
    const announced = await deps.db.transaction(async (tx) => {
      const rows = await claimExpiredConsents(tx, clock(), options.batchSize);
      for (const row of rows) {
        await deps.outbox.publish(
          tx,
          'consent.expired',
          { consentId: row.id, caseCode: row.case_code, organizationId: row.organization_id, expiredAt: row.expires_at.toISOString() },
          { subject: row.id },
        );
      }
      return rows.length;
    });
    total += announced;
    if (announced < options.batchSize) return total;
  }
}
