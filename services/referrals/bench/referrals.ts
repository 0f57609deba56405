/**
 * Create+submit throughput and recipient-read latency at 50 concurrent clients: the referrals
 * service (auth, OpenAPI validation, payload check and sealing, the consuming sharing decision
 * asked of the real consent service, conditional transition, history, outbox; the projected,
 * logged read) beside a bare Express + pg endpoint doing the same inserts, the same consent call
 * and the same reads, in the same run, against the same scratch database.
 *
 *   node --conditions=@referral-hub/source --import tsx services/referrals/bench/referrals.ts
 *
 * Needs PostgreSQL and RabbitMQ on localhost (as the tests do). Loopback only; bounded in time.
 * BENCH_SECONDS (default 10) and BENCH_CLIENTS (default 50) change the load.
 */
import { createCipheriv, randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { buildEvent } from '@referral-hub/contracts';
import { createServiceTestEnv } from '@referral-hub/testkit';
import { connect } from 'amqplib';
import express from 'express';
import pg from 'pg';
import { start as startConsent } from '../../consent/src/start.js';
import { start } from '../src/start.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50);
const HUB_ORG = randomUUID();
const PAYLOAD = { 'child.firstName': 'Amani', 'child.age': 12, 'protection.riskLevel': 'high', 'health.conditions': ['asthma'] };

const env = await createServiceTestEnv({
  name: 'referrals-bench',
  migrationsDir: fileURLToPath(new URL('../prisma/migrations', import.meta.url)),
  extraEnv: { DATABASE_POOL_MAX: '20', LOG_LEVEL: 'silent' },
});
const consentEnv = await env.envForAnotherService(fileURLToPath(new URL('../../consent/prisma/migrations', import.meta.url)));
const keyRing = randomBytes(32);
const pool = new pg.Pool({ connectionString: env.database.url, max: 20 });

try {
  const consent = await startConsent({ env: { ...consentEnv, DATABASE_POOL_MAX: '20' } });
  const service = await start({
    env: {
      ...env.env,
      CONSENT_URL: consent.url,
      // No directory in the benchmark: the details refresher backs off, nothing else needs it.
      DIRECTORY_URL: 'http://127.0.0.1:9',
      AUTH_CLIENT_TOKEN_URL: 'http://127.0.0.1:9/token',
      AUTH_CLIENT_ID: 'referrals-service',
      AUTH_CLIENT_SECRET: 'bench',
      REFERRAL_PAYLOAD_KEYS: `bench:${keyRing.toString('base64')}`,
    },
    serviceTokens: { getToken: () => env.issuer.sign({ sub: 'referrals-service', org: HUB_ORG, roles: ['system'] }, { expiresIn: '1h' }) },
  });
  await service.consumer?.waitUntilConsuming();
  const systemToken = await env.issuer.sign({ sub: 'referrals-service', org: HUB_ORG, roles: ['system'] }, { expiresIn: '1h' });

  // One owner/recipient pair, case and service per client, with consents and an agreement.
  const pairs = [];
  for (let i = 0; i < CLIENTS; i += 1) pairs.push(await givenPair(consent.url));
  await announceServices(pairs);
  const bare = await startBare(pool, consent.url, systemToken);

  const hubCreate = async (p: Pair, auth: string) => {
    const created = await post(`${service.url}/v1/referrals`, auth, newReferral(p));
    const { id } = (await created.json()) as { id: string };
    const submitted = await post(`${service.url}/v1/referrals/${id}/submit`, auth, {});
    await submitted.arrayBuffer();
    return created.status === 201 && submitted.status === 200 ? id : undefined;
  };
  const bareCreate = async (p: Pair, auth: string) => {
    const created = await post(`${bare.url}/create`, auth, newReferral(p));
    const { id } = (await created.json()) as { id: string };
    const submitted = await post(`${bare.url}/submit/${id}`, auth, { pair: p });
    await submitted.arrayBuffer();
    return created.ok && submitted.ok ? id : undefined;
  };

  // Warm both up (connections, JIT, compiled validators) before measuring.
  await run(pairs, hubCreate, 'lead', 1, 'ids');
  await run(pairs, bareCreate, 'lead', 1, 'bareIds');
  const hubWrite = await run(pairs, hubCreate, 'lead', SECONDS, 'ids');
  const bareWrite = await run(pairs, bareCreate, 'lead', SECONDS, 'bareIds');

  // Reads by the recipients' focal points of what was just created (the decision is cached after the first read).
  const hubRead = await run(pairs, async (p, auth) => {
    const response = await fetch(`${service.url}/v1/referrals/${p.ids[p.next++ % p.ids.length]}`, { headers: { authorization: auth } });
    await response.arrayBuffer();
    return response.ok ? 'ok' : undefined;
  }, 'focal', SECONDS);
  const bareRead = await run(pairs, async (p, auth) => {
    const response = await fetch(`${bare.url}/read/${p.bareIds[p.nextBare++ % p.bareIds.length]}`, { headers: { authorization: auth } });
    await response.arrayBuffer();
    return response.ok ? 'ok' : undefined;
  }, 'focal', SECONDS);

  const row = (name: string, r: Result, unit: string) =>
    `${name.padEnd(34)} ${r.rps.toFixed(0).padStart(6)} ${unit}/s   p50 ${r.p50.toFixed(1).padStart(6)} ms   p99 ${r.p99.toFixed(1).padStart(6)} ms   errors ${r.errors}`;
  console.log(`\n${CLIENTS} clients, ${SECONDS} s per measure`);
  console.log(row('referrals: create+submit', hubWrite, 'pairs'));
  console.log(row('bare Express + pg: create+submit', bareWrite, 'pairs'));
  console.log(row('referrals: recipient read', hubRead, 'reads'));
  console.log(row('bare Express + pg: recipient read', bareRead, 'reads'));
  const ratio = (a: Result, b: Result) => `throughput ${(a.rps / b.rps).toFixed(2)}, p50 ${(a.p50 / b.p50).toFixed(2)}, p99 ${(a.p99 / b.p99).toFixed(2)}`;
  console.log(`ratio create+submit (service / bare): ${ratio(hubWrite, bareWrite)}`);
  console.log(`ratio recipient read (service / bare): ${ratio(hubRead, bareRead)}`);

  await bare.close();
  await service.stop();
  await consent.stop();
} finally {
  await pool.end();
  await env.cleanup();
}

type Pair = { owner: string; recipient: string; caseCode: string; serviceId: string; ids: string[]; bareIds: string[]; next: number; nextBare: number; lead: string; focal: string };
type Result = { rps: number; p50: number; p99: number; errors: number };

function newReferral(p: Pair) {
  return { caseCode: p.caseCode, recipientOrganizationId: p.recipient, recipientServiceId: p.serviceId, urgency: 'high', need: { category: 'neglect', text: 'Suivi' }, payload: PAYLOAD };
}

function post(url: string, authorization: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** One client per pair, each doing `op` one after another for `seconds`; latencies of successes. */
async function run(pairs: Pair[], op: (p: Pair, auth: string) => Promise<string | undefined>, who: 'lead' | 'focal', seconds: number, keep?: 'ids' | 'bareIds'): Promise<Result> {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    pairs.map(async (p) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const result = await op(p, p[who]).catch(() => undefined);
        if (result === undefined) errors += 1;
        else {
          latencies.push(performance.now() - t0);
          if (keep !== undefined) p[keep].push(result);
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return { rps: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), errors };
}

async function givenPair(consentUrl: string): Promise<Pair> {
  const owner = randomUUID();
  const recipient = randomUUID();
  const caseCode = `CASE-${randomBytes(5).toString('hex').toUpperCase()}`;
  const as = async (role: string, org: string, sub = `${role}-${randomUUID()}`) => `Bearer ${await env.issuer.sign({ sub, org, roles: [role] }, { expiresIn: '1h' })}`;
  const call = async (path: string, auth: string, body: unknown, method = 'POST') => {
    const response = await fetch(`${consentUrl}${path}`, { method, headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
    return (await response.json()) as { id: string };
  };
  const agreement = await call('/v1/agreements', await as('network_coordinator', randomUUID()), {
    title: 'Bench protocol', partyOrganizationIds: [owner, recipient], dataGroups: ['identity', 'protection', 'health'],
    purposes: ['referral'], means: ['hub'], reviewDate: new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10),
  });
  await call(`/v1/agreements/${agreement.id}/accept`, await as('org_admin', owner), {});
  await call(`/v1/agreements/${agreement.id}/accept`, await as('org_admin', recipient), {});
  const cw = await as('caseworker', owner);
  await call(`/v1/cases/${caseCode}/context`, cw, { childAge: 12, caregiverCanBeAsked: true }, 'PUT');
  const scope = { recipientOrganizationIds: [recipient], fields: ['identity', 'protection.riskLevel'], purposes: ['referral'] };
  const base = { caseCode, method: 'written', explainedInLanguage: 'fr', scope, expiresAt: new Date(Date.now() + 60 * 86_400_000).toISOString() };
  await call('/v1/consents', cw, { ...base, givenBy: 'caregiver', caregiverRelationship: 'mother', kind: 'consent' });
  await call('/v1/consents', cw, { ...base, givenBy: 'child', kind: 'assent' });
  return { owner, recipient, caseCode, serviceId: randomUUID(), ids: [], bareIds: [], next: 0, nextBare: 0, lead: await as('caseworker', owner, 'lead'), focal: await as('focal_point', recipient) };
}

async function announceServices(pairs: Pair[]): Promise<void> {
  const connection = await connect(env.amqpUrl);
  const channel = await connection.createConfirmChannel();
  for (const p of pairs) {
    const event = buildEvent('directory.service.changed', { serviceId: p.serviceId, organizationId: p.recipient, organizationType: 'ngo', status: 'active', acceptsReferrals: true, change: 'created', changedFields: [], version: 1 }, { source: '/services/directory', subject: p.serviceId });
    channel.publish(env.exchange, event.type, Buffer.from(JSON.stringify(event)), { persistent: true, messageId: event.id });
  }
  await channel.waitForConfirms();
  await connection.close();
  while (Number((await pool.query('SELECT count(*) FROM known_service')).rows[0].count) < pairs.length) await new Promise((r) => setTimeout(r, 50));
}

function seal(value: unknown, context: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyRing, iv);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(JSON.stringify(value)), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

/** The same rows written and read, the same consent call, with no auth, validation or domain rules. */
async function startBare(db: pg.Pool, consentUrl: string, systemToken: string): Promise<{ url: string; close(): Promise<void> }> {
  await db.query('CREATE TABLE bare_outbox (LIKE outbox_message INCLUDING ALL)');
  const app = express();
  app.use(express.json());
  app.post('/create', async (req, res) => {
    const body = req.body as { caseCode: string; recipientOrganizationId: string; recipientServiceId: string; urgency: string; payload: Record<string, unknown> };
    const id = randomUUID();
    const owner = randomUUID();
    await db.query('SELECT * FROM known_service WHERE id = $1', [body.recipientServiceId]);
    await db.query(
      `INSERT INTO referral (id, code, case_code, status, urgency, referring_organization_id, recipient_organization_id, recipient_service_id,
         lead_organization_id, lead_user_id, created_by, need_category, need_text, proposed_field_keys, payload_key_id, payload_ciphertext)
       VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, $5, 'lead', 'lead', 'neglect', 'Suivi', $8, 'bench', $9)`,
      [id, `REF-${randomBytes(4).toString('hex').slice(0, 5).toUpperCase()}`, body.caseCode, body.urgency, owner, body.recipientOrganizationId, body.recipientServiceId, Object.keys(body.payload), seal(body.payload, id)],
    );
    await db.query(`INSERT INTO referral_history (id, referral_id, action, to_status) VALUES ($1, $2, 'create', 'draft')`, [randomUUID(), id]);
    res.status(201).json({ id });
  });
  app.post('/submit/:id', async (req, res) => {
    const { pair } = req.body as { pair: Pair };
    const { rows } = await db.query('SELECT * FROM referral WHERE id = $1', [req.params.id]);
    const row = rows[0] as { version: number; proposed_field_keys: string[] };
    const decision = await fetch(`${consentUrl}/v1/decisions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${systemToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ caseCode: pair.caseCode, ownerOrganizationId: pair.owner, recipientOrganizationId: pair.recipient, purpose: 'referral', fields: row.proposed_field_keys, caseCategories: ['neglect'], consume: true, referralId: req.params.id }),
    });
    const allowed = ((await decision.json()) as { allowed: string[] }).allowed;
    const client = await db.connect();
    try {
      await client.query('BEGIN');
      await client.query(`UPDATE referral SET status = 'submitted', version = version + 1, shared_field_keys = $3 WHERE id = $1 AND version = $2`, [req.params.id, row.version, allowed]);
      await client.query(`INSERT INTO referral_history (id, referral_id, action, from_status, to_status) VALUES ($1, $2, 'submit', 'draft', 'submitted')`, [randomUUID(), req.params.id]);
      await client.query(`INSERT INTO bare_outbox (id, event_type, subject, payload) VALUES ($1, 'referral.submitted', $2, '{}')`, [randomUUID(), req.params.id]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    res.json({ id: req.params.id, allowed });
  });
  app.get('/read/:id', async (req, res) => {
    const { rows } = await db.query('SELECT * FROM referral WHERE id = $1', [req.params.id]);
    await db.query('SELECT access_generation, access_allowed_keys, access_decision_id, access_valid_until FROM referral WHERE id = $1', [req.params.id]);
    const row = rows[0] as { shared_field_keys: string[] };
    await db.query('INSERT INTO access_log (id, referral_id, reader_user_id, reader_organization_id, field_keys) VALUES ($1, $2, $3, $4, $5)', [randomUUID(), req.params.id, 'fp', randomUUID(), row.shared_field_keys]);
    res.json(row);
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
