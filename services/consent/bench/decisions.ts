/**
 * Decision throughput and latency at 50 concurrent clients: the consent service's
 * `POST /v1/decisions` (auth, OpenAPI validation, the same reads, the pure decision, the stored
 * decision row) beside a bare Express + pg endpoint doing only the same reads, in the same run,
 * against the same scratch database.
 *
 *   node --conditions=@referral-hub/source --import tsx services/consent/bench/decisions.ts
 *
 * Needs PostgreSQL and RabbitMQ on localhost (as the tests do). Loopback only; bounded in time.
 * BENCH_SECONDS (default 15) and BENCH_CLIENTS (default 50) change the load.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createServiceTestEnv } from '@referral-hub/testkit';
import express from 'express';
import pg from 'pg';
import { start } from '../src/start.js';

const CASES = 5000;
const OWNERS = 50;
const RECIPIENTS = 20;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50);
const FIELDS = ['child.firstName', 'child.age', 'protection.riskLevel', 'health.conditions', 'confidential.notes'];

const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));
const env = await createServiceTestEnv({
  name: 'consent-bench',
  migrationsDir,
  extraEnv: { DATABASE_POOL_MAX: '20', LOG_LEVEL: 'silent', CONSENT_EXPIRY_INTERVAL_MS: '15000' },
});
const pool = new pg.Pool({ connectionString: env.database.url, max: 20 });

try {
  const owners = Array.from({ length: OWNERS }, () => randomUUID());
  const recipients = Array.from({ length: RECIPIENTS }, () => randomUUID());
  const cases = Array.from({ length: CASES }, (_, i) => ({ code: `CASE-B${String(i).padStart(6, '0')}`, owner: owners[i % OWNERS] as string, recipient: recipients[i % RECIPIENTS] as string }));
  await seed(pool, owners, recipients, cases);

  const service = await start({ env: env.env });
  const bare = await startBare(pool);
  const authorization = await env.authorization({ sub: 'referrals-service', org: randomUUID(), roles: ['system'] });
  const body = (i: number) => {
    const c = cases[i % CASES]!;
    return JSON.stringify({ caseCode: c.code, ownerOrganizationId: c.owner, recipientOrganizationId: c.recipient, purpose: 'referral', fields: FIELDS, caseCategories: ['neglect'] });
  };

  // Warm both up (connections, JIT, compiled validators) before measuring.
  await load(`${service.url}/v1/decisions`, authorization, body, 2);
  await load(`${bare.url}/decide`, authorization, body, 2);
  const hub = await load(`${service.url}/v1/decisions`, authorization, body, SECONDS);
  const base = await load(`${bare.url}/decide`, authorization, body, SECONDS);

  const row = (name: string, r: Result) =>
    `${name.padEnd(28)} ${r.rps.toFixed(0).padStart(8)} req/s   p50 ${r.p50.toFixed(1).padStart(6)} ms   p99 ${r.p99.toFixed(1).padStart(6)} ms   errors ${r.errors}`;
  console.log(`\n${CLIENTS} clients, ${SECONDS} s each, ${CASES} cases, ${CASES * 2} consents, ${OWNERS * RECIPIENTS} agreements`);
  console.log(row('consent service', hub));
  console.log(row('bare Express + pg (reads)', base));
  console.log(`ratio (service / bare): throughput ${(hub.rps / base.rps).toFixed(2)}, p50 ${(hub.p50 / base.p50).toFixed(2)}, p99 ${(hub.p99 / base.p99).toFixed(2)}`);

  await bare.close();
  await service.stop();
} finally {
  await pool.end();
  await env.cleanup();
}

type Result = { rps: number; p50: number; p99: number; errors: number };

/** CLIENTS loops posting one request after another for `seconds`; latencies of successful answers. */
async function load(url: string, authorization: string, body: (i: number) => string, seconds: number): Promise<Result> {
  const latencies: number[] = [];
  let errors = 0;
  let counter = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < deadline) {
        const i = counter++;
        const t0 = performance.now();
        const response = await fetch(url, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: body(i * 7919) });
        await response.arrayBuffer();
        if (response.ok) latencies.push(performance.now() - t0);
        else errors += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return { rps: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), errors };
}

/** The same six reads as the decision, and nothing else. */
async function startBare(db: pg.Pool): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.use(express.json());
  app.post('/decide', async (req, res) => {
    const { caseCode, ownerOrganizationId: owner, recipientOrganizationId: recipient } = req.body as Record<string, string>;
    const [consents, overrides, agreements, policy, context, type] = await Promise.all([
      db.query('SELECT * FROM consent WHERE organization_id = $1 AND case_code = $2 ORDER BY created_at, id', [owner, caseCode]),
      db.query('SELECT * FROM override WHERE organization_id = $1 AND case_code = $2 ORDER BY created_at, id', [owner, caseCode]),
      db.query(
        `SELECT a.*, coalesce(array_agg(x.organization_id) FILTER (WHERE x.organization_id IS NOT NULL), '{}') AS accepted
           FROM sharing_agreement a LEFT JOIN agreement_acceptance x ON x.agreement_id = a.id
          WHERE a.party_organization_ids @> ARRAY[$1, $2]::uuid[] GROUP BY a.id`,
        [owner, recipient],
      ),
      db.query('SELECT * FROM network_policy ORDER BY version DESC LIMIT 1'),
      db.query('SELECT * FROM case_context WHERE organization_id = $1 AND case_code = $2', [owner, caseCode]),
      db.query('SELECT * FROM organization_type WHERE organization_id = ANY($1::uuid[])', [[recipient]]),
    ]);
    res.json({ consents: consents.rowCount, overrides: overrides.rowCount, agreements: agreements.rowCount, policy: policy.rowCount, context: context.rowCount, type: type.rowCount });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Two consents (caregiver, child) and a context per case; an accepted agreement per owner × recipient. */
async function seed(db: pg.Pool, owners: string[], recipients: string[], cases: { code: string; owner: string; recipient: string }[]): Promise<void> {
  const expires = new Date(Date.now() + 200 * 86_400_000);
  await db.query(
    `INSERT INTO consent (id, organization_id, case_code, given_by, kind, method, explained_in_language, recipient_organization_ids,
                          fields, field_keys, purposes, valid_from, expires_at, recorded_by)
     SELECT gen_random_uuid(), c.owner, c.code, g.given_by, g.kind, 'written', 'fr', ARRAY[c.recipient],
            ARRAY['identity', 'protection.riskLevel'],
            ARRAY['child.firstName','child.lastName','child.dateOfBirth','child.age','child.sex','child.languages','child.disability','child.nationality','child.legalStatus','protection.riskLevel'],
            ARRAY['referral'], now() - interval '1 day', $4, 'bench'
       FROM unnest($1::text[], $2::uuid[], $3::uuid[]) AS c(code, owner, recipient)
       CROSS JOIN (VALUES ('caregiver', 'consent'), ('child', 'assent')) AS g(given_by, kind)`,
    [cases.map((c) => c.code), cases.map((c) => c.owner), cases.map((c) => c.recipient), expires],
  );
  await db.query(
    `INSERT INTO case_context (organization_id, case_code, child_age, caregiver_can_be_asked, updated_by)
     SELECT owner, code, 12, true, 'bench' FROM unnest($1::text[], $2::uuid[]) AS c(code, owner)`,
    [cases.map((c) => c.code), cases.map((c) => c.owner)],
  );
  const pairs = owners.flatMap((owner) => recipients.map((recipient) => ({ id: randomUUID(), owner, recipient })));
  await db.query(
    `INSERT INTO sharing_agreement (id, title, party_organization_ids, data_groups, purposes, means, review_date, created_by, created_by_organization_id)
     SELECT id, 'Bench protocol', ARRAY[owner, recipient], ARRAY['identity','protection','health'], ARRAY['referral'], ARRAY['hub'],
            current_date + 365, 'bench', owner
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS p(id, owner, recipient)`,
    [pairs.map((p) => p.id), pairs.map((p) => p.owner), pairs.map((p) => p.recipient)],
  );
  await db.query(
    `INSERT INTO agreement_acceptance (agreement_id, organization_id, accepted_by)
     SELECT id, org, 'bench' FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS p(id, owner, recipient), LATERAL unnest(ARRAY[owner, recipient]) AS org`,
    [pairs.map((p) => p.id), pairs.map((p) => p.owner), pairs.map((p) => p.recipient)],
  );
  await db.query(
    `INSERT INTO organization_type (organization_id, organization_type, version) SELECT id, 'ngo', 1 FROM unnest($1::uuid[]) AS id`,
    [recipients],
  );
  await db.query('ANALYZE');
}
