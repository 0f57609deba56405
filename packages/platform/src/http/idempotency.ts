import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import type pg from 'pg';
import { AppError, conflict } from '../errors.js';
import { getPrincipal } from './request-state.js';

/** What a POST handler answers, so that it can be stored and replayed. */
export type StoredResponse = { status: number; body: unknown; location?: string };

/** How long a key is remembered: a client retrying after a day is making a new request. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

export type Idempotency = {
  /**
   * Runs a POST at most once per `Idempotency-Key` of the caller's
   * organisation: the same key with the same request (method, path and body)
   * replays the first answer (with `Idempotent-Replayed: true`); with another
   * request it is a 422 naming the header; while the first is still running, a
   * 409. A request that fails frees the key, so it can be retried. Without the
   * header, the handler simply runs.
   */
  run(req: Request, res: Response, handler: () => Promise<StoredResponse>): Promise<void>;
  /** Forgets keys older than `olderThanMs` (default a day); returns how many. */
  purge(olderThanMs?: number, now?: Date): Promise<number>;
};

const LOCATION_KEY = '__location';

type Row = { request_hash: string; status_code: number | null; response: unknown };

/**
 * Keys are kept per organisation in the service's own `idempotent_request` table
 * (organization_id, key, request_hash, status_code, response, created_at; created
 * by each service's migration).
 */
export function createIdempotency(pool: pg.Pool): Idempotency {
  const send = (res: Response, answer: StoredResponse, replayed: boolean): void => {
    if (answer.location !== undefined) res.location(answer.location);
    if (replayed) res.set('Idempotent-Replayed', 'true');
    res.status(answer.status).json(answer.body);
  };

  return {
    async run(req, res, handler) {
      const key = req.get('idempotency-key');
      if (key === undefined) {
        send(res, await handler(), false);
        return;
      }
      const { organizationId } = getPrincipal(req);
      const hash = createHash('sha256')
        .update(`${req.method} ${req.path}\n${JSON.stringify(req.body ?? null)}`)
        .digest('hex');
      const claimed = await pool.query(
        `INSERT INTO idempotent_request (organization_id, key, request_hash) VALUES ($1::uuid, $2, $3)
         ON CONFLICT (organization_id, key) DO NOTHING`,
        [organizationId, key, hash],
      );
      if ((claimed.rowCount ?? 0) === 0) {
        const found = await pool.query<Row>(
          'SELECT request_hash, status_code, response FROM idempotent_request WHERE organization_id = $1::uuid AND key = $2',
          [organizationId, key],
        );
        const stored = found.rows[0];
        // Purged between the two statements: the earlier request is forgotten, so this one is new.
        if (stored === undefined) {
          send(res, await handler(), false);
          return;
        }
        if (stored.request_hash !== hash) {
          throw new AppError('idempotency_key_reused', 422, 'Unprocessable request', {
            detail: 'This Idempotency-Key was used for a different request.',
            errors: [{ field: 'header.idempotency-key', message: 'was used for a different request', code: 'idempotency_key_reused' }],
          });
        }
        if (stored.status_code === null) throw conflict('A request with this Idempotency-Key is still being processed; retry shortly.');
        const body = stored.response as Record<string, unknown> | null;
        const location = body !== null && typeof body[LOCATION_KEY] === 'string' ? body[LOCATION_KEY] : undefined;
        const { [LOCATION_KEY]: _location, ...rest } = body ?? {};
        send(res, { status: stored.status_code, body: rest, ...(location === undefined ? {} : { location }) }, true);
        return;
      }
      let answer: StoredResponse;
      try {
        answer = await handler();
      } catch (error) {
        await pool.query('DELETE FROM idempotent_request WHERE organization_id = $1::uuid AND key = $2 AND status_code IS NULL', [
          organizationId,
          key,
        ]);
        throw error;
      }
      const toStore = answer.location === undefined ? answer.body : { ...(answer.body as object), [LOCATION_KEY]: answer.location };
      await pool.query('UPDATE idempotent_request SET status_code = $3, response = $4::jsonb WHERE organization_id = $1::uuid AND key = $2', [
        organizationId,
        key,
        answer.status,
        JSON.stringify(toStore),
      ]);
      send(res, answer, false);
    },

    async purge(olderThanMs = IDEMPOTENCY_RETENTION_MS, now = new Date()) {
      const result = await pool.query('DELETE FROM idempotent_request WHERE created_at < $1', [new Date(now.getTime() - olderThanMs)]);
      return result.rowCount ?? 0;
    },
  };
}
