import type { Prisma } from './generated/prisma/client.js';
import type { Tx } from './database.js';

/** The stored first answer to a phone request, if any. */
export async function findPhoneRequest(tx: Tx, requestKey: string): Promise<Prisma.JsonValue | null> {
  return (await tx.phoneActionRequest.findUnique({ where: { requestKey } }))?.result ?? null;
}

/** Stores the first answer to a request; false when another answer was stored first. */
export async function storePhoneRequest(tx: Tx, requestKey: string, result: Prisma.InputJsonValue, at: Date): Promise<boolean> {
  const inserted = await tx.$executeRaw`
    INSERT INTO phone_action_request (request_key, result, created_at)
    VALUES (${requestKey}, ${JSON.stringify(result)}::jsonb, ${at}::timestamptz)
    ON CONFLICT (request_key) DO NOTHING`;
  return inserted === 1;
}

/** Forgets the answers stored before `before`; gives how many. */
export async function deletePhoneRequestsBefore(tx: Tx, before: Date): Promise<number> {
  return (await tx.phoneActionRequest.deleteMany({ where: { createdAt: { lt: before } } })).count;
}
