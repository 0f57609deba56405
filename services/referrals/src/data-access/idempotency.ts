import type { Prisma } from './generated/prisma/client.js';
import type { Tx } from './database.js';

export type StoredRequest = { requestHash: string; statusCode: number | null; response: unknown };

/**
 * Claims `(organization, key)` for a request with this hash. Returns null when
 * the claim is new (the caller runs the request), else what is stored: the
 * hash, and the response once the first request finished.
 */
export async function claimIdempotencyKey(tx: Tx, organizationId: string, key: string, requestHash: string): Promise<StoredRequest | null> {
  const inserted = await tx.$executeRaw`
    INSERT INTO idempotent_request (organization_id, key, request_hash) VALUES (${organizationId}::uuid, ${key}, ${requestHash})
    ON CONFLICT (organization_id, key) DO NOTHING`;
  if (inserted > 0) return null;
  const row = await tx.idempotentRequest.findUnique({ where: { organizationId_key: { organizationId, key } } });
  return row === null ? null : { requestHash: row.requestHash, statusCode: row.statusCode, response: row.response };
}

export async function storeIdempotentResponse(tx: Tx, organizationId: string, key: string, statusCode: number, response: unknown): Promise<void> {
  await tx.idempotentRequest.update({
    where: { organizationId_key: { organizationId, key } },
    data: { statusCode, response: response as Prisma.InputJsonValue },
  });
}

/** Frees a key whose request failed, so the client may retry it. */
export async function releaseIdempotencyKey(tx: Tx, organizationId: string, key: string): Promise<void> {
  await tx.idempotentRequest.deleteMany({ where: { organizationId, key, statusCode: null } });
}
