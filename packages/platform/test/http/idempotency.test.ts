import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKeyRingCipher } from '../../src/crypto/key-ring.js';
import { createIdempotency } from '../../src/http/idempotency.js';
import type { IdempotentAttempt, StoredResponse } from '../../src/http/idempotency.js';
import { problemErrorHandler } from '../../src/http/problem.js';
import { setRequestState } from '../../src/http/request-state.js';
import { captureLogger } from '../logging/capture.js';
import { createTempDatabase } from '../db/helpers.js';
import type { TempDatabase } from '../db/helpers.js';

/** The table as the services' migrations leave it (first version, then lease and sealed response). */
const TABLE = `
CREATE TABLE idempotent_request (
  organization_id uuid NOT NULL, key text NOT NULL, request_hash text NOT NULL, status_code integer, response jsonb,
  created_at timestamptz(3) NOT NULL DEFAULT now(), PRIMARY KEY (organization_id, key));
ALTER TABLE idempotent_request ADD COLUMN claim_id uuid, ADD COLUMN claimed_at timestamptz(3),
  ADD COLUMN response_key_id text, ADD COLUMN response_ciphertext bytea;`;

const ORG = '00000000-0000-4000-8000-0000000000aa';
const LEASE_MS = 30_000;
const NEEDLE = 'Keza Ndayisenga-Idem';

let database: TempDatabase;
let pool: pg.Pool;
let server: Server;
let baseUrl: string;
let clock: Date;
/** What each run of the handler was told, and what it answers. */
let attempts: IdempotentAttempt[];
let answer: (attempt: IdempotentAttempt) => Promise<StoredResponse>;

const cipher = createKeyRingCipher([{ id: 'k1', key: randomBytes(32) }], 'Test');

beforeAll(async () => {
  database = await createTempDatabase();
  pool = new pg.Pool({ connectionString: database.url, max: 4 });
  await pool.query(TABLE);
  const sealed = createIdempotency(pool, { cipher, leaseMs: LEASE_MS, now: () => clock });
  const clear = createIdempotency(pool, { leaseMs: LEASE_MS, now: () => clock });
  const app = express();
  app.use(express.json());
  app.use((req, _res, next) => {
    setRequestState(req, { principal: { userId: 'u1', organizationId: ORG, roles: ['caseworker'] } });
    next();
  });
  app.post('/sealed/:name', async (req, res) => {
    await sealed.run(req, res, async (attempt) => {
      attempts.push(attempt);
      return answer(attempt);
    });
  });
  app.post('/clear/:name', async (req, res) => {
    await clear.run(req, res, async (attempt) => {
      attempts.push(attempt);
      return answer(attempt);
    });
  });
  app.use(problemErrorHandler(captureLogger().logger));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await pool.end();
  await database.drop();
});

beforeEach(() => {
  clock = new Date('2026-12-06T10:00:00.000Z');
  attempts = [];
  answer = async () => ({ status: 201, body: { id: 'r1', child: NEEDLE }, location: '/things/r1' });
});

async function post(path: string, key: string, body: unknown = { a: 1 }) {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
  });
  return { status: response.status, replayed: response.headers.get('idempotent-replayed'), location: response.headers.get('location'), body: (await response.json()) as Record<string, unknown> };
}

/** Every value of the key's row, as text: what a look at the table at rest would show. */
async function rowText(key: string): Promise<string> {
  const { rows } = await pool.query('SELECT * FROM idempotent_request WHERE key = $1', [key]);
  return JSON.stringify(rows[0] ?? null, (_k, v: unknown) => (v instanceof Buffer ? v.toString('latin1') : v));
}

describe('stored responses', () => {
  it('with a cipher, the answer is kept sealed (nothing of it in clear) and replayed as it was', async () => {
    const key = randomUUID();
    const first = await post('/sealed/x', key);
    expect(first).toMatchObject({ status: 201, replayed: null, location: '/things/r1', body: { id: 'r1', child: NEEDLE } });
    const replay = await post('/sealed/x', key);
    expect(replay).toMatchObject({ status: 201, replayed: 'true', location: '/things/r1', body: { id: 'r1', child: NEEDLE } });
    expect(attempts).toHaveLength(1);
    const { rows } = await pool.query<{ response: unknown; response_key_id: string }>('SELECT response, response_key_id FROM idempotent_request WHERE key = $1', [key]);
    expect(rows[0]).toMatchObject({ response: null, response_key_id: 'k1' });
    expect(await rowText(key)).not.toContain('Keza');
  });

  it('a sealed answer copied onto another key does not open there', async () => {
    const [key, other] = [randomUUID(), randomUUID()];
    await post('/sealed/x', key);
    await post('/sealed/x', other);
    await pool.query(
      `UPDATE idempotent_request SET response_ciphertext = (SELECT response_ciphertext FROM idempotent_request WHERE key = $1) WHERE key = $2`,
      [key, other],
    );
    expect((await post('/sealed/x', other)).status).toBe(500);
  });

  it('without a cipher the answer is kept as JSON; an answer stored in clear before sealing is still replayed', async () => {
    const key = randomUUID();
    await post('/clear/x', key);
    expect(await rowText(key)).toContain(NEEDLE);
    expect(await post('/sealed/x', key)).toMatchObject({ status: 422 });
    const legacy = randomUUID();
    await pool.query(
      `INSERT INTO idempotent_request (organization_id, key, request_hash, status_code, response) SELECT organization_id, $2, request_hash, status_code, response FROM idempotent_request WHERE key = $1`,
      [key, legacy],
    );
    // Same path and body as the row copied: '/clear/x' hashed; replayed by the service with a cipher as well.
    expect(await post('/clear/x', legacy)).toMatchObject({ status: 201, replayed: 'true', body: { child: NEEDLE } });
  });
});

describe('a claim whose run died (the lease)', () => {
  /** The row a run leaves when its process is killed after claiming the key (for `POST /sealed/x` `{"a":1}`): no answer. */
  async function abandonClaim(key: string, claimedAt: Date): Promise<string> {
    const claimId = randomUUID();
    const hash = createHash('sha256').update('POST /sealed/x\n{"a":1}').digest('hex');
    await pool.query(
      'INSERT INTO idempotent_request (organization_id, key, request_hash, claim_id, claimed_at, created_at) VALUES ($1, $2, $3, $4, $5, $5)',
      [ORG, key, hash, claimId, claimedAt],
    );
    answer = async (attempt) => ({ status: 200, body: { resumed: attempt.resumedFrom?.toISOString() ?? null } });
    return claimId;
  }

  it('answers 409 while the lease holds, then lets a retry take the key over, told it resumes, with the same claim id', async () => {
    const key = randomUUID();
    const claimId = await abandonClaim(key, clock);
    attempts = [];

    clock = new Date(clock.getTime() + LEASE_MS - 1);
    const early = await post('/sealed/x', key);
    expect(early.status).toBe(409);
    expect(attempts).toHaveLength(0);

    clock = new Date(clock.getTime() + 2);
    const retried = await post('/sealed/x', key);
    expect(retried).toMatchObject({ status: 200, replayed: null, body: { resumed: '2026-12-06T10:00:00.000Z' } });
    expect(attempts).toEqual([{ claimId, resumedFrom: new Date('2026-12-06T10:00:00.000Z') }]);

    // Then the taken-over answer is the key's answer.
    expect(await post('/sealed/x', key)).toMatchObject({ status: 200, replayed: 'true', body: { resumed: '2026-12-06T10:00:00.000Z' } });
    expect(attempts).toHaveLength(1);
  });

  it('a first run is told it is not resuming, and gets a claim id; a failed run frees the key', async () => {
    const key = randomUUID();
    answer = async () => {
      throw new Error('boom');
    };
    expect((await post('/sealed/x', key)).status).toBe(500);
    expect(attempts[0]?.resumedFrom).toBeNull();
    expect(attempts[0]?.claimId).toMatch(/^[0-9a-f-]{36}$/);
    answer = async () => ({ status: 200, body: { ok: true } });
    expect(await post('/sealed/x', key)).toMatchObject({ status: 200, replayed: null });
  });

  it('a run that outlived its lease and was taken over does not overwrite the answer of the run that took over', async () => {
    const key = randomUUID();
    let release: (() => void) | undefined;
    answer = () =>
      new Promise<StoredResponse>((resolve) => {
        release = () => resolve({ status: 200, body: { run: 'slow' } });
      });
    const slow = post('/sealed/x', key);
    await expect.poll(() => release !== undefined).toBe(true);
    clock = new Date(clock.getTime() + LEASE_MS + 1);
    answer = async () => ({ status: 200, body: { run: 'retry' } });
    expect(await post('/sealed/x', key)).toMatchObject({ status: 200, body: { run: 'retry' } });
    release?.();
    expect((await slow).body).toEqual({ run: 'slow' });
    expect(await post('/sealed/x', key)).toMatchObject({ replayed: 'true', body: { run: 'retry' } });
  });
});
