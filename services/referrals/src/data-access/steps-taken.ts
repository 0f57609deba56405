import type { Tx } from './database.js';

/** Whether `actorUserId` took step `action` of the referral at or after `since` (the history says so). */
export async function hasTakenStepSince(tx: Tx, referralId: string, action: string, actorUserId: string, since: Date): Promise<boolean> {
  const step = await tx.referralHistory.findFirst({
    where: { referralId, action, actorUserId, occurredAt: { gte: since } },
    select: { id: true },
  });
  return step !== null;
}
