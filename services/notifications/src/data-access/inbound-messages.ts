import type { Tx } from './database.js';
import type { InboundMessage } from './generated/prisma/client.js';

export type InboundMessageRow = InboundMessage;
export type InboundProvider = 'africastalking' | 'http' | 'dev';

/**
 * Records a message as being handled, unless the provider gave it before: true when this call
 * recorded it (handle it), false when it was there already (a redelivery: do nothing).
 */
export async function claimInboundMessage(tx: Tx, row: { provider: InboundProvider; messageId: string; command: string; receivedAt: Date }): Promise<boolean> {
  const { count } = await tx.inboundMessage.createMany({ data: [{ ...row, outcome: 'pending' }], skipDuplicates: true });
  return count === 1;
}

/** What came of a claimed message. */
export async function recordInboundOutcome(tx: Tx, provider: InboundProvider, messageId: string, outcome: string, at: Date = new Date()): Promise<void> {
  await tx.inboundMessage.update({ where: { provider_messageId: { provider, messageId } }, data: { outcome, processedAt: at } });
}

/** Forgets a claimed message that could not be handled (the referrals service was down), so that the provider's retry is. */
export async function releaseInboundMessage(tx: Tx, provider: InboundProvider, messageId: string): Promise<void> {
  await tx.inboundMessage.deleteMany({ where: { provider, messageId, outcome: 'pending' } });
}

export function findInboundMessage(tx: Tx, provider: InboundProvider, messageId: string): Promise<InboundMessageRow | null> {
  return tx.inboundMessage.findUnique({ where: { provider_messageId: { provider, messageId } } });
}

/** Forgets messages received before `before` (long past any redelivery by the provider); returns how many. */
export async function purgeInboundMessages(tx: Tx, before: Date): Promise<number> {
  const { count } = await tx.inboundMessage.deleteMany({ where: { receivedAt: { lt: before } } });
  return count;
}
