import { createHash, randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type pg from 'pg';
import type { KeyRingCipher } from '../crypto/key-ring.js';
import { AppError, conflict } from '../errors.js';
import { getPrincipal } from './request-state.js';

/** What a POST handler answers, so that it can be stored and replayed. */
export type StoredResponse = { status: number; body: unknown; location?: string };

/** How long a key is remembered: a client retrying after a day is making a new request. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

/** How long a claim on a key holds by default before a retry may take it over (its process may have died). */
export const IDEMPOTENCY_LEASE_MS = 30_000;

/** What a handler learns of the key it runs under. */
export type IdempotentAttempt = {
  /**
   * The claim's id, the same for every run under one key (a takeover keeps it):
   * a handler that creates something can use it as the new thing's id, and so
   * find what an earlier, crashed run committed. Null without a key.
   */
  claimId: string | null;
  /**
   * Set when this run took over a claim whose lease ran out (the run that made it
   * crashed or hung): when that first claim was made. The first run's effects may
   * be committed, so the handler must answer what committed instead of doing it again.
   */
  resumedFrom: Date | null;
};

export type Idempotency = {
  /**
   * Runs a POST at most once per `Idempotency-Key` of the caller's
   * organisation: the same key with the same request (method, path and body)
   * replays the first answer (with `Idempotent-Replayed: true`); with another
   * request it is a 422 naming the header; while the first is still running
   * (within its lease), a 409. Once the lease has run out, a retry takes the
   * key over and runs the handler again, told so (see {@link IdempotentAttempt}).
   * A request that fails frees the key, so it can be retried. Without the
   * header, the handler simply runs.
   */
  run(req: Request, res: Response, handler: (attempt: IdempotentAttempt) => Promise<StoredResponse>): Promise<void>;
  /** Forgets keys older than `olderThanMs` (default a day); returns how many. */
  purge(olderThanMs?: number, now?: Date): Promise<number>;
};

export type IdempotencyOptions = {
  /**
   * Seals stored responses (bound to the organisation and key) for a service whose
   * answers can hold case data: nothing of them is then kept in clear. Without it,
   * responses are stored as JSON.
   */
  cipher?: KeyRingCipher;
  /** How long a claim holds before a retry may take it over; default {@link IDEMPOTENCY_LEASE_MS}. */
  leaseMs?: number;
  /** The clock (tests move it). */
  now?: () => Date;
};

const LOCATION_KEY = '__location';

type Row = {
  request_hash: string;
  status_code: number | null;
  response: unknown;
  response_key_id: string | null;
  response_ciphertext: Buffer | null;
  claim_id: string | null;
  claimed_at: Date | null;
  created_at: Date;
};

/** The additional authenticated data of a sealed response: the row it belongs to. */
function contextOf(organizationId: string, key: string): string {
  return `idempotent_request:${organizationId}:${key}`;
}

/**
 * Keys are kept per organisation in the service's own `idempotent_request` table
 * (organization_id, key, request_hash, claim_id, claimed_at, status_code, response
 * or response_key_id + response_ciphertext, created_at; created by each service's
 * migrations).
 *
 * A crash between the handler's commit and the stored answer leaves a claim
 * without an answer: its lease (`claimed_at` + `leaseMs`) lets a retry take it
 * over, and the handler, told it resumes, answers what committed.
 */
export function createIdempotency(pool: pg.Pool, options: IdempotencyOptions = {}): Idempotency {
  const { cipher } = options;
  const leaseMs = options.leaseMs ?? IDEMPOTENCY_LEASE_MS;
  const clock = options.now ?? (() => new Date());

  const send = (res: Response, answer: StoredResponse, replayed: boolean): void => {
    if (answer.location !== undefined) res.location(answer.location);
    if (replayed) res.set('Idempotent-Replayed', 'true');
    res.status(answer.status).json(answer.body);
  };

  const storedBody = (stored: Row, organizationId: string, key: string): Record<string, unknown> | null => {
    if (stored.response_key_id !== null && stored.response_ciphertext !== null) {
      if (cipher === undefined) throw new Error('A stored response is sealed but this service has no cipher for it');
      const opened = JSON.parse(cipher.open({ keyId: stored.response_key_id, ciphertext: stored.response_ciphertext }, contextOf(organizationId, key))) as unknown;
      return typeof opened === 'object' && opened !== null ? (opened as Record<string, unknown>) : null;
    }
    // Stored before responses were sealed (purged within a day), or by a service without a cipher.
    return stored.response as Record<string, unknown> | null;
  };

  return {
    async run(req, res, handler) {
      const key = req.get('idempotency-key');
      if (key === undefined) {
        send(res, await handler({ claimId: null, resumedFrom: null }), false);
        return;
      }
      const { organizationId } = getPrincipal(req);
      const hash = createHash('sha256')
        .update(`${req.method} ${req.path}\n${JSON.stringify(req.body ?? null)}`)
        .digest('hex');
      const now = clock();
      let claimId: string = randomUUID();
      let claimedAt = now;
      let resumedFrom: Date | null = null;
      const claimed = await pool.query(
        `INSERT INTO idempotent_request (organization_id, key, request_hash, claim_id, claimed_at, created_at)
         VALUES ($1::uuid, $2, $3, $4::uuid, $5, $5)
         ON CONFLICT (organization_id, key) DO NOTHING`,
        [organizationId, key, hash, claimId, now],
      );
      if ((claimed.rowCount ?? 0) === 0) {
        const found = await pool.query<Row>(
          `SELECT request_hash, status_code, response, response_key_id, response_ciphertext, claim_id, claimed_at, created_at
             FROM idempotent_request WHERE organization_id = $1::uuid AND key = $2`,
          [organizationId, key],
        );
        const stored = found.rows[0];
        // Purged between the two statements: the earlier request is forgotten, so this one is new.
        if (stored === undefined) {
          send(res, await handler({ claimId: null, resumedFrom: null }), false);
          return;
        }
        if (stored.request_hash !== hash) {
          throw new AppError('idempotency_key_reused', 422, 'Unprocessable request', {
            detail: 'This Idempotency-Key was used for a different request.',
            errors: [{ field: 'header.idempotency-key', message: 'was used for a different request', code: 'idempotency_key_reused' }],
          });
        }
        if (stored.status_code !== null) {
          const body = storedBody(stored, organizationId, key);
          const location = body !== null && typeof body[LOCATION_KEY] === 'string' ? body[LOCATION_KEY] : undefined;
          const { [LOCATION_KEY]: _location, ...rest } = body ?? {};
          send(res, { status: stored.status_code, body: rest, ...(location === undefined ? {} : { location }) }, true);
          return;
        }
        const previousClaim = stored.claimed_at ?? stored.created_at;
        const stillProcessing = () => conflict('A request with this Idempotency-Key is still being processed; retry shortly.');
        if (previousClaim.getTime() + leaseMs > now.getTime()) throw stillProcessing();
        // The lease ran out: the run that claimed the key died or hung. Take it over, unless another retry just did.
        claimId = stored.claim_id ?? claimId;
        const takenOver = await pool.query(
          `UPDATE idempotent_request SET claimed_at = $3, claim_id = $4::uuid
            WHERE organization_id = $1::uuid AND key = $2 AND status_code IS NULL AND claimed_at IS NOT DISTINCT FROM $5`,
          [organizationId, key, now, claimId, stored.claimed_at],
        );
        if ((takenOver.rowCount ?? 0) === 0) throw stillProcessing();
        claimedAt = now;
        resumedFrom = stored.created_at;
      }
      // Only this run's claim is answered or freed: once taken over, the key is the new run's.
      const mine = 'organization_id = $1::uuid AND key = $2 AND claimed_at = $3 AND status_code IS NULL';
      let answer: StoredResponse;
      try {
        answer = await handler({ claimId, resumedFrom });
      } catch (error) {
        await pool.query(`DELETE FROM idempotent_request WHERE ${mine}`, [organizationId, key, claimedAt]);
        throw error;
      }
      const toStore = JSON.stringify(answer.location === undefined ? answer.body : { ...(answer.body as object), [LOCATION_KEY]: answer.location });
      if (cipher === undefined) {
        await pool.query(`UPDATE idempotent_request SET status_code = $4, response = $5::jsonb WHERE ${mine}`, [
          organizationId,
          key,
          claimedAt,
          answer.status,
          toStore,
        ]);
      } else {
        const sealed = cipher.seal(toStore, contextOf(organizationId, key));
        await pool.query(
          `UPDATE idempotent_request SET status_code = $4, response = NULL, response_key_id = $5, response_ciphertext = $6 WHERE ${mine}`,
          [organizationId, key, claimedAt, answer.status, sealed.keyId, sealed.ciphertext],
        );
      }
      send(res, answer, false);
    },

    async purge(olderThanMs = IDEMPOTENCY_RETENTION_MS, now = clock()) {
      const result = await pool.query('DELETE FROM idempotent_request WHERE created_at < $1', [new Date(now.getTime() - olderThanMs)]);
      return result.rowCount ?? 0;
    },
  };
}
