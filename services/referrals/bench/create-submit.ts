/**
 * Create + submit throughput at 20 concurrent clients (issue 16's first row): the referrals service and the consent
 * service, each in its own process as production runs them, beside a bare Express + pg server in its own process
 * doing the same database work inline, in interleaved rounds of one run; medians of the rounds.
 *
 *   node --conditions=@referral-hub/source --import tsx services/referrals/bench/create-submit.ts
 *
 * One client loop = `POST /v1/referrals` then `POST /v1/referrals/{id}/submit` as the lead caseworker.
 * The hub: JWT check, OpenAPI validation, payload check against the catalogue, AES-256-GCM sealing of the payload
 * and the need, the known service read, the draft and its history; at submit the consuming sharing decision asked
 * of the consent service over HTTP (its locks, reads, decision row), the deadlines in force, the reply code, the
 * conditional update, the history and the outbox row.
 * The bare server: no auth, no validation, no second service; the same rows read and written with `pg`, the
 * consent database's lock, reads and decision insert done directly on that database (its SQL, in one transaction).
 * Both sides write through the same tables, triggers (audit chains) included; the bare side's outbox rows go to a
 * copy of the outbox table no relay reads.
 *
 * The load generator runs in this process; the three servers each in their own, the services as production runs them
 * (compiled, built first if stale; `NODE_ENV=production`, info logs, default pool of 10, the runtime settings of
 * scripts/lib/build.mjs), the bare server with the same runtime settings and 10 connections per database. Needs PostgreSQL and RabbitMQ on
 * localhost (as the tests do); everything it creates (databases, exchange, queues) is dropped at the end.
 * BENCH_SECONDS (per round and side, default 6), BENCH_ROUNDS (default 3), BENCH_CLIENTS (default 20),
 * BENCH_FROM=source (run the services from TypeScript through tsx rather than their compiled `dist/start.js`),
 * BENCH_CPU_PROF=<folder> (a V8 CPU profile of each server).
 * Prints a summary and one `BENCH_ROW` line (id `create-submit`) for the benchmark table.
 */
import type { ChildProcess } from 'node:child_process';
import { createCipheriv, randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { benchRowLine, closedLoop, cpuMs, freePort, median, sleep, spawnService, startTokenServer, stopChild, waitReady } from '@referral-hub/testkit/bench';
import type { LoadResult } from '@referral-hub/testkit/bench';
import express from 'express';
import pg from 'pg';

type Pair = { owner: string; recipient: string; caseCode: string; serviceId: string; lead: string };
type Result = LoadResult;

const PAYLOAD = { 'child.firstName': 'Amani', 'child.age': 12, 'protection.riskLevel': 'high', 'health.conditions': ['asthma'] };

async function runBenchmark(): Promise<void> {
  const { buildEvent } = await import('@referral-hub/contracts');
  const { createServiceTestEnv } = await import('@referral-hub/testkit');
  const { connect } = await import('amqplib');
  const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
  const began = performance.now();
  const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
  const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 20);
  // As production runs them (`npm start`, the image): compiled JavaScript unless BENCH_FROM=source.
  const FROM = process.env.BENCH_FROM === 'source' ? 'source' : 'dist';
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const { buildStale, runtimeEnv } = await import('../../../scripts/lib/build.mjs');
  if (FROM === 'dist') await buildStale(root, { packages: ['packages/contracts', 'packages/platform', 'services/consent', 'services/referrals'], quiet: true });
  const runtime = runtimeEnv(process.env);

  const env = await createServiceTestEnv({
    name: 'referrals-create-bench',
    migrationsDir: fileURLToPath(new URL('../prisma/migrations', import.meta.url)),
    extraEnv: { NODE_ENV: 'production' },
  });
  const consentEnv = await env.envForAnotherService(fileURLToPath(new URL('../../consent/prisma/migrations', import.meta.url)));
  const keyRing = randomBytes(32).toString('base64');
  const children: ChildProcess[] = [];
  const pool = new pg.Pool({ connectionString: env.database.url, max: 4 });
  // The referrals service's machine token for consent (client credentials), from this process.
  const tokenServer = await startTokenServer(() => env.issuer.sign({ sub: 'referrals-service', org: randomUUID(), roles: ['system'] }, { expiresIn: '1h' }));
  const tokenUrl = tokenServer.url;

  try {
    // Production's settings: info logs (written to nowhere here), the default pool size, the runtime settings (npm start's and the image's).
    const production = { NODE_ENV: 'production', LOG_LEVEL: 'info', CONSENT_TEXT_KEYS: `bench:${keyRing}`, ...runtime };
    delete (consentEnv as Record<string, string | undefined>).DATABASE_POOL_MAX;
    delete (env.env as Record<string, string | undefined>).DATABASE_POOL_MAX;
    const consentPort = await freePort();
    children.push(spawnService(root, 'services/consent', FROM, { ...consentEnv, ...production, PORT: String(consentPort) }));
    const consentUrl = `http://127.0.0.1:${consentPort}`;
    const referralsPort = await freePort();
    children.push(
      spawnService(root, 'services/referrals', FROM, {
        ...env.env,
        ...production,
        PORT: String(referralsPort),
        CONSENT_URL: consentUrl,
        // No directory in the benchmark: the details refresher backs off, nothing else needs it.
        DIRECTORY_URL: 'http://127.0.0.1:9',
        AUTH_CLIENT_TOKEN_URL: tokenUrl,
        AUTH_CLIENT_ID: 'referrals-service',
        AUTH_CLIENT_SECRET: 'bench',
        REFERRAL_PAYLOAD_KEYS: `bench:${keyRing}`,
        ACTION_LINK_KEYS: `bench:${randomBytes(32).toString('base64')}`,
      }),
    );
    const hubUrl = `http://127.0.0.1:${referralsPort}`;
    const barePort = await freePort();
    children.push(
      spawnService(root, 'services/referrals/bench/create-submit.ts', 'source', {
        ...runtime,
        BENCH_ROLE: 'bare',
        PORT: String(barePort),
        REFERRALS_DATABASE_URL: env.database.url,
        CONSENT_DATABASE_URL: consentEnv.DATABASE_URL ?? '',
        PAYLOAD_KEY: keyRing,
      }),
    );
    const bareUrl = `http://127.0.0.1:${barePort}`;
    await Promise.all([waitReady(`${consentUrl}/readyz`), waitReady(`${hubUrl}/readyz`), waitReady(`${bareUrl}/readyz`)]);

    // One owner/recipient pair, case (consent + assent, agreement in force) and directory service per client.
    const pairs: Pair[] = [];
    for (let i = 0; i < CLIENTS; i += 1) pairs.push(await givenPair(consentUrl));
    const connection = await connect(env.amqpUrl);
    const channel = await connection.createConfirmChannel();
    for (const p of pairs) {
      const event = buildEvent(
        'directory.service.changed',
        { serviceId: p.serviceId, organizationId: p.recipient, organizationType: 'ngo', status: 'active', acceptsReferrals: true, change: 'created', changedFields: [], version: 1 },
        { source: '/services/directory', subject: p.serviceId },
      );
      channel.publish(env.exchange, event.type, Buffer.from(JSON.stringify(event)), { persistent: true, messageId: event.id });
    }
    await channel.waitForConfirms();
    await connection.close();
    while (Number((await pool.query('SELECT count(*) FROM known_service')).rows[0].count) < pairs.length) await sleep(50);

    const hub = (p: Pair) => createAndSubmit(`${hubUrl}/v1/referrals`, (id) => `${hubUrl}/v1/referrals/${id}/submit`, p, {});
    const bare = (p: Pair) => createAndSubmit(`${bareUrl}/create`, (id) => `${bareUrl}/submit/${id}`, p, { pair: p });

    console.log(`set up in ${((performance.now() - began) / 1000).toFixed(0)} s (${FROM === 'dist' ? 'compiled services' : 'services from source'}); measuring`);
    // Warm both up (connections, JIT, compiled validators), then interleaved rounds.
    await run(pairs, hub, 2);
    await run(pairs, bare, 2);
    const rounds: { hub: Result; bare: Result }[] = [];
    const [consentChild, referralsChild, bareChild] = children;
    for (let r = 0; r < ROUNDS; r += 1) {
      const hubCpu = [cpuMs(consentChild?.pid), cpuMs(referralsChild?.pid)];
      const h = await run(pairs, hub, SECONDS);
      const hubCpuPerLoop = [cpuMs(consentChild?.pid) - (hubCpu[0] ?? 0), cpuMs(referralsChild?.pid) - (hubCpu[1] ?? 0)].map((ms) => (ms / h.count).toFixed(1));
      const bareCpu = cpuMs(bareChild?.pid);
      const b = await run(pairs, bare, SECONDS);
      const bareCpuPerLoop = ((cpuMs(bareChild?.pid) - bareCpu) / b.count).toFixed(1);
      rounds.push({ hub: h, bare: b });
      console.log(
        `round ${r + 1}: hub ${h.rps.toFixed(0)} /s (p50 ${h.p50.toFixed(0)} ms, p99 ${h.p99.toFixed(0)} ms, errors ${h.errors}; ` +
          `CPU per loop: referrals ${hubCpuPerLoop[1]} ms, consent ${hubCpuPerLoop[0]} ms); ` +
          `bare ${b.rps.toFixed(0)} /s (p50 ${b.p50.toFixed(0)} ms, errors ${b.errors}; CPU per loop ${bareCpuPerLoop} ms); ratio ${(h.rps / b.rps).toFixed(2)}`,
      );
    }
    const hubRps = median(rounds.map((r) => r.hub.rps));
    const hubP50 = median(rounds.map((r) => r.hub.p50));
    const bareRps = median(rounds.map((r) => r.bare.rps));
    const ratio = median(rounds.map((r) => r.hub.rps / r.bare.rps));
    const errors = rounds.reduce((n, r) => n + r.hub.errors + r.bare.errors, 0);
    console.log(`\ncreate + submit, ${CLIENTS} clients, ${ROUNDS} interleaved rounds of ${SECONDS} s per side (medians)`);
    console.log(`  referrals + consent services: ${hubRps.toFixed(0)} pairs/s (p50 ${hubP50.toFixed(0)} ms)`);
    console.log(`  bare Express + pg:            ${bareRps.toFixed(0)} pairs/s`);
    console.log(`  ratio (hub / bare):           ${ratio.toFixed(2)} (goal >= 0.5)${errors > 0 ? `; ${errors} failed loops` : ''}`);
    console.log(
      benchRowLine({
        id: 'create-submit',
        path: 'create + submit a referral',
        hub: `${hubRps.toFixed(0)} /s (p50 ${hubP50.toFixed(0)} ms)`,
        bare: `${bareRps.toFixed(0)} /s`,
        ratio: Number(ratio.toFixed(2)),
        ratioText: ratio.toFixed(2),
        goal: '>= 0.5',
        met: ratio >= 0.5 && errors === 0,
      }),
    );
  } finally {
    await Promise.all(children.map((child) => stopChild(child, 10_000)));
    void tokenServer.close();
    await pool.end();
    await env.cleanup();
  }

  async function givenPair(consentUrl: string): Promise<Pair> {
    const owner = randomUUID();
    const recipient = randomUUID();
    const caseCode = `CASE-${randomBytes(5).toString('hex').toUpperCase()}`;
    const as = async (role: string, org: string, sub = `${role}-${randomUUID()}`) => `Bearer ${await env.issuer.sign({ sub, org, roles: [role] }, { expiresIn: '1h' })}`;
    const call = async (path: string, auth: string, body: unknown, method = 'POST') => {
      const response = await fetch(`${consentUrl}${path}`, { method, headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
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
    return { owner, recipient, caseCode, serviceId: randomUUID(), lead: await as('caseworker', owner, 'lead') };
  }
}

function newReferral(p: Pair) {
  return { caseCode: p.caseCode, recipientOrganizationId: p.recipient, recipientServiceId: p.serviceId, urgency: 'high', need: { category: 'neglect', text: 'Suivi scolaire et soutien psychosocial' }, payload: PAYLOAD };
}

async function createAndSubmit(createUrl: string, submitUrl: (id: string) => string, p: Pair, submitBody: unknown): Promise<boolean> {
  const headers = { authorization: p.lead, 'content-type': 'application/json' };
  const created = await fetch(createUrl, { method: 'POST', headers, body: JSON.stringify(newReferral(p)) });
  const { id } = (await created.json()) as { id: string };
  if (created.status !== 201) throw new Error(`create: ${created.status} ${JSON.stringify(id)}`);
  const submitted = await fetch(submitUrl(id), { method: 'POST', headers, body: JSON.stringify(submitBody) });
  const answer = (await submitted.json()) as { status?: string; sharedFieldKeys?: string[] };
  if (submitted.status !== 200 || answer.status !== 'submitted') throw new Error(`submit: ${submitted.status} ${JSON.stringify(answer)}`);
  return true;
}

/** One client per pair, each looping `op` for `seconds`; latencies of the successful loops. */
function run(pairs: Pair[], op: (p: Pair) => Promise<boolean>, seconds: number): Promise<Result> {
  return closedLoop(pairs.length, seconds, (client) => op(pairs[client] as Pair), (error) => console.error('first failure:', error));
}

/**
 * The bare server: the same database work as the two services, inline, with `pg` and nothing else (no auth, no
 * validation, no domain rules, no second service: the consent database is written directly).
 */
async function serveBare(): Promise<void> {
  // The services' default pool size (DATABASE_POOL_MAX), per database.
  const size = Number(process.env.DATABASE_POOL_MAX ?? 10);
  const referrals = new pg.Pool({ connectionString: process.env.REFERRALS_DATABASE_URL, max: size });
  const consent = new pg.Pool({ connectionString: process.env.CONSENT_DATABASE_URL, max: size });
  const key = Buffer.from(process.env.PAYLOAD_KEY ?? '', 'base64');
  await referrals.query('CREATE TABLE IF NOT EXISTS bare_outbox (LIKE outbox_message INCLUDING ALL)');
  const seal = (value: unknown, context: string): Buffer => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(JSON.stringify(value)), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  };
  const inTransaction = async <T>(db: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await db.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  };
  const app = express();
  app.use(express.json());
  app.get('/readyz', (_req, res) => {
    res.json({ ok: true });
  });
  app.post('/create', async (req, res) => {
    const body = req.body as { caseCode: string; recipientOrganizationId: string; recipientServiceId: string; urgency: string; need: { category: string; text: string }; payload: Record<string, unknown> };
    const id = randomUUID();
    const owner = randomUUID();
    await referrals.query('SELECT * FROM known_service WHERE id = $1', [body.recipientServiceId]);
    const code = `REF-${randomBytes(5).toString('hex').toUpperCase()}`;
    await inTransaction(referrals, async (client) => {
      await client.query(
        `INSERT INTO referral (id, code, case_code, status, urgency, referring_organization_id, recipient_organization_id, recipient_service_id,
           lead_organization_id, lead_user_id, created_by, need_category, need_text_key_id, need_text_ciphertext, case_categories,
           proposed_field_keys, payload_key_id, payload_ciphertext)
         VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, $5, 'lead', 'lead', $8, 'bench', $9, $10, $11, 'bench', $12)`,
        [id, code, body.caseCode, body.urgency, owner, body.recipientOrganizationId, body.recipientServiceId, body.need.category, seal(body.need.text, id), [body.need.category], Object.keys(body.payload), seal(body.payload, id)],
      );
      await client.query(`INSERT INTO referral_history (id, referral_id, action, to_status, actor_user_id, actor_organization_id) VALUES ($1, $2, 'create', 'draft', 'lead', $3)`, [randomUUID(), id, owner]);
    });
    res.status(201).json({ id, status: 'draft' });
  });
  app.post('/submit/:id', async (req, res) => {
    const { pair } = req.body as { pair: Pair };
    const id = req.params.id;
    const { rows } = await referrals.query('SELECT * FROM referral WHERE id = $1', [id]);
    const row = rows[0] as { version: number; proposed_field_keys: string[]; referring_organization_id: string };
    // The consuming decision, on the consent database: lock the case's consents, read the facts, store the decision.
    const decisionId = randomUUID();
    const decision = await inTransaction(consent, async (client) => {
      await client.query('SELECT id FROM consent WHERE organization_id = $1 AND case_code = $2 ORDER BY id FOR UPDATE', [pair.owner, pair.caseCode]);
      const facts = await client.query(
        `SELECT
           (SELECT coalesce(json_agg(c ORDER BY c.created_at, c.id), '[]') FROM consent c WHERE c.organization_id = $1 AND c.case_code = $2) AS consents,
           (SELECT coalesce(json_agg(o), '[]') FROM override o LEFT JOIN override_decision d ON d.override_id = o.id WHERE o.organization_id = $1 AND o.case_code = $2) AS overrides,
           (SELECT coalesce(json_agg(json_build_object('agreement', a, 'acceptances', (SELECT json_agg(x) FROM agreement_acceptance x WHERE x.agreement_id = a.id))), '[]')
              FROM sharing_agreement a WHERE a.party_organization_ids @> ARRAY[$1, $3]::uuid[]) AS agreements,
           (SELECT row_to_json(p) FROM network_policy p ORDER BY version DESC LIMIT 1) AS policy,
           (SELECT row_to_json(cc) FROM case_context cc WHERE cc.organization_id = $1 AND cc.case_code = $2) AS context,
           (SELECT organization_type FROM organization_type WHERE organization_id = $3) AS recipient_type`,
        [pair.owner, pair.caseCode, pair.recipient],
      );
      const consents = (facts.rows[0] as { consents: { id: string; field_keys?: string[] }[] }).consents;
      // No policy evaluation: the consented fields (the catalogue's identity group and the risk level) go.
      const allowed = row.proposed_field_keys.filter((k) => k.startsWith('child.') || k === 'protection.riskLevel');
      const denied = row.proposed_field_keys.filter((k) => !allowed.includes(k)).map((field) => ({ field, reason: 'no_consent' }));
      const consentIds = consents.map((c) => c.id);
      await client.query(
        `INSERT INTO decision (id, organization_id, case_code, recipient_organization_id, purpose, requested_fields, allowed, denied, consent_ids, override_ids,
           valid_until, referral_id, requested_by, requested_by_organization_id)
         VALUES ($1, $2, $3, $4, 'referral', $5, $6, $7, $8, '{}', now() + interval '60 days', $9, 'referrals-service', $10)`,
        [decisionId, pair.owner, pair.caseCode, pair.recipient, row.proposed_field_keys, allowed, JSON.stringify(denied), consentIds, id, randomUUID()],
      );
      return { allowed, consentIds };
    });
    await referrals.query('SELECT * FROM network_deadlines ORDER BY version DESC LIMIT 1');
    const codes = await referrals.query(`SELECT reply_code FROM referral WHERE recipient_organization_id = $1 AND status = ANY($2) AND reply_code IS NOT NULL`, [pair.recipient, ['submitted', 'acknowledged', 'accepted', 'in_progress']]);
    const held = new Set(codes.rows.map((r: { reply_code: string }) => r.reply_code));
    let replyCode = '';
    do replyCode = String(randomBytes(2).readUInt16BE() % 1000).padStart(3, '0');
    while (held.has(replyCode));
    const now = new Date();
    const inHours = (h: number) => new Date(now.getTime() + h * 3_600_000);
    await inTransaction(referrals, async (client) => {
      await client.query(
        `UPDATE referral SET status = 'submitted', version = version + 1, submitted_at = $3, acknowledge_due_at = $4, decision_due_at = $5,
           acknowledge_escalate_at = $6, decision_escalate_at = $7, deadlines_version = 0, shared_field_keys = $8, envelope_only = false,
           decision_id = $9, consent_ids = $10, access_allowed_keys = $8, reply_code = $11, updated_at = $3
         WHERE id = $1 AND version = $2`,
        [id, row.version, now, inHours(24), inHours(72), inHours(48), inHours(96), decision.allowed, decisionId, decision.consentIds, replyCode],
      );
      await client.query(
        `INSERT INTO referral_history (id, referral_id, action, from_status, to_status, actor_user_id, actor_organization_id, field_keys, consent_ids)
         VALUES ($1, $2, 'submit', 'draft', 'submitted', 'lead', $3, $4, $5)`,
        [randomUUID(), id, row.referring_organization_id, decision.allowed, decision.consentIds],
      );
      const event = {
        specversion: '1.0', id: randomUUID(), type: 'referral.submitted', source: '/services/referrals', subject: id, time: now.toISOString(),
        data: { referralId: id, caseCode: pair.caseCode, status: 'submitted', previousStatus: 'draft', urgency: 'high', referringOrganizationId: row.referring_organization_id, recipientOrganizationId: pair.recipient, recipientServiceId: pair.serviceId, sharedFieldKeys: decision.allowed, occurredAt: now.toISOString() },
      };
      await client.query(`INSERT INTO bare_outbox (id, event_type, subject, payload) VALUES ($1, 'referral.submitted', $2, $3)`, [event.id, id, JSON.stringify(event)]);
    });
    res.json({ id, status: 'submitted', sharedFieldKeys: decision.allowed });
  });
  const port = Number(process.env.PORT ?? 0);
  const server = app.listen(port, '127.0.0.1');
  const stop = () => {
    server.close();
    void Promise.all([referrals.end(), consent.end()]).then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.env.BENCH_ROLE === 'bare') await serveBare();
else await runBenchmark();
