import type { Tx } from './database.js';

/**
 * Claims an action link's nonce: true when this call took it, false when it was already used. The insert
 * either wins or meets the primary key, so of two concurrent uses exactly one claims it.
 */
export async function claimActionLink(
  tx: Tx,
  use: { nonce: string; referralId: string; focalPointId: string; action: string; usedAt: Date },
): Promise<boolean> {
  const inserted = await tx.$executeRaw`
    INSERT INTO action_link_use (nonce, referral_id, focal_point_id, action, used_at)
    VALUES (${use.nonce}, ${use.referralId}::uuid, ${use.focalPointId}::uuid, ${use.action}, ${use.usedAt}::timestamptz)
    ON CONFLICT (nonce) DO NOTHING`;
  return inserted === 1;
}

/** Gives a claimed link back, when its step was refused or failed. */
export async function releaseActionLink(tx: Tx, nonce: string): Promise<void> {
  await tx.actionLinkUse.deleteMany({ where: { nonce } });
}

/** Whether the link with this nonce was used. */
export async function actionLinkUsed(tx: Tx, nonce: string): Promise<boolean> {
  return (await tx.actionLinkUse.count({ where: { nonce } })) > 0;
}

/** Deletes the uses of links used before `before`; gives how many. */
export async function deleteActionLinkUsesBefore(tx: Tx, before: Date): Promise<number> {
  return (await tx.actionLinkUse.deleteMany({ where: { usedAt: { lt: before } } })).count;
}
