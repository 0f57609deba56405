import type { Tx } from './database.js';

/** Up to `limit` referrals after `afterId` (in id order) whose need text is still in clear (written before it was sealed). */
export function findClearNeedTexts(tx: Tx, afterId: string | null, limit: number): Promise<{ id: string; needText: string | null }[]> {
  return tx.referral.findMany({
    where: { needText: { not: null }, ...(afterId === null ? {} : { id: { gt: afterId } }) },
    select: { id: true, needText: true },
    orderBy: { id: 'asc' },
    take: limit,
  });
}

/** Replaces a referral's clear need text by its sealed form, unless it changed meanwhile. */
export async function replaceClearNeedText(tx: Tx, id: string, clear: string, sealed: { needTextKeyId: string; needTextCiphertext: Uint8Array<ArrayBuffer> }): Promise<void> {
  await tx.referral.updateMany({ where: { id, needText: clear }, data: { needText: null, ...sealed } });
}
