import { createHash } from 'node:crypto';
import { AppError, conflict, getPrincipal } from '@referral-hub/platform';
import type { Request, Response } from 'express';
import type { ReferralsDatabase } from '../../data-access/database.js';
import { claimIdempotencyKey, releaseIdempotencyKey, storeIdempotentResponse } from '../../data-access/idempotency.js';

/** What a POST handler answers, so that it can be stored and replayed. */
export type StoredResponse = { status: number; body: unknown; location?: string };

const LOCATION_KEY = '__location';

/**
 * Runs a POST at most once per `Idempotency-Key` of the caller's organisation:
 * the same key with the same request (method, path and body) replays the
 * first answer; with another request it is a 422; while the first is still
 * running, a 409. A request that fails frees the key, so it can be retried.
 * Without the header, the handler simply runs.
 */
export async function idempotent(
  db: ReferralsDatabase,
  req: Request,
  res: Response,
  handler: () => Promise<StoredResponse>,
): Promise<void> {
  const key = req.get('idempotency-key');
  const send = (answer: StoredResponse, replayed: boolean) => {
    if (answer.location !== undefined) res.location(answer.location);
    if (replayed) res.set('Idempotent-Replayed', 'true');
    res.status(answer.status).json(answer.body);
  };
  if (key === undefined) {
    send(await handler(), false);
    return;
  }
  const principal = getPrincipal(req);
  const hash = createHash('sha256')
    .update(`${req.method} ${req.path}\n${JSON.stringify(req.body ?? null)}`)
    .digest('hex');
  const stored = await claimIdempotencyKey(db.client, principal.organizationId, key, hash);
  if (stored !== null) {
    if (stored.requestHash !== hash) {
      throw new AppError('idempotency_key_reused', 422, 'Unprocessable request', {
        detail: 'This Idempotency-Key was used for a different request.',
        errors: [{ field: 'header.idempotency-key', message: 'was used for a different request', code: 'idempotency_key_reused' }],
      });
    }
    if (stored.statusCode === null) throw conflict('A request with this Idempotency-Key is still being processed; retry shortly.');
    const body = stored.response as Record<string, unknown> | null;
    const location = body !== null && typeof body[LOCATION_KEY] === 'string' ? body[LOCATION_KEY] : undefined;
    const { [LOCATION_KEY]: _location, ...rest } = body ?? {};
    send({ status: stored.statusCode, body: rest, ...(location === undefined ? {} : { location }) }, true);
    return;
  }
  let answer: StoredResponse;
  try {
    answer = await handler();
  } catch (error) {
    await releaseIdempotencyKey(db.client, principal.organizationId, key);
    throw error;
  }
  const toStore = answer.location === undefined ? answer.body : { ...(answer.body as object), [LOCATION_KEY]: answer.location };
  await storeIdempotentResponse(db.client, principal.organizationId, key, answer.status, toStore);
  send(answer, false);
}
