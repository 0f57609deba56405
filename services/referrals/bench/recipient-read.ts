/**
 * Recipient read throughput at 20 concurrent clients: `GET /v1/referrals/{id}` by the recipient's
 * focal point on the real referrals service (token check, contract validation, a fresh sharing
 * decision asked of the real consent service, the payload opened and projected to the fields
 * allowed now, the access-log row), beside a bare Express + pg server doing the same database work
 * inline: the referral read, the decision's reads and its decision row written directly on the
 * consent database (the SQL consent runs, no HTTP), the payload and need opened and projected, the
 * access-log row; no auth, no validation, no second service.
 *
 *   node --conditions=@referral-hub/source --import tsx services/referrals/bench/recipient-read.ts
 *
 * Every server runs in its own process (referrals and consent as production runs them: compiled,
 * built first if stale, `NODE_ENV=production`; the bare server); this process only sets up and
 * generates the load. Rounds are interleaved (hub, bare, hub, bare, ...) and the
 * medians compared. Needs the local PostgreSQL and RabbitMQ (as the tests do); everything it
 * creates is dropped at the end.
 *
 * BENCH_SECONDS (per measure, default 6), BENCH_ROUNDS (default 3), BENCH_CLIENTS (default 20),
 * BENCH_REFERRALS (referrals read in turn, default 100); BENCH_FROM=source runs the services from
 * TypeScript through tsx; BENCH_CPU_PROF=<dir> has each service
 * write a CPU profile there.
 */
import { createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchRowLine, closedLoop, cpuMs, freePort, median, spawnService, startTokenServer, waitReady } from '@referral-hub/testkit/bench';
import type { LoadResult } from '@referral-hub/testkit/bench';

const MODE = process.argv[2];
if (MODE === 'bare') await serveBare();
else await main();

type Result = LoadResult;

async function main(): Promise<void> {
  const { buildEvent } = await import('@referral-hub/contracts');
  const { createServiceTestEnv } = await import('@referral-hub/testkit');
  const { connect } = await import('amqplib');
  const { default: pg } = await import('pg');

  const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
  const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
  const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 20);
  const REFERRALS = Number(process.env.BENCH_REFERRALS ?? 100);
  const CASES = Math.min(REFERRALS, 20);
  const began = performance.now();
  const PAYLOAD = { 'child.firstName': 'Amani', 'child.age': 12, 'protection.riskLevel': 'high', 'health.conditions': ['asthma'] };
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  // As production runs them (`npm start`, the image): compiled JavaScript unless BENCH_FROM=source.
  const FROM = process.env.BENCH_FROM === 'source' ? 'source' : 'dist';
  const { buildStale, runtimeEnv } = await import('../../../scripts/lib/build.mjs');
  if (FROM === 'dist') await buildStale(root, { packages: ['packages/contracts', 'packages/platform', 'services/consent', 'services/referrals'], quiet: true });
  const runtime = runtimeEnv(process.env);

  const env = await createServiceTestEnv({
    name: 'referrals-read-bench',
    migrationsDir: fileURLToPath(new URL('../prisma/migrations', import.meta.url)),
  });
  const consentEnv = await env.envForAnotherService(fileURLToPath(new URL('../../consent/prisma/migrations', import.meta.url)));
  const payloadKey = randomBytes(32);
  const children: ChildProcess[] = [];
  const closers: (() => Promise<void>)[] = [];
  const pool = new pg.Pool({ connectionString: env.database.url, max: 4 });
  try {
    // The referrals service gets its own machine token by client credentials, as in production.
    const tokenServer = await startTokenServer(() => env.issuer.sign({ sub: 'referrals-service', org: randomUUID(), roles: ['system'] }, { expiresIn: '1h' }));
    closers.push(tokenServer.close);

    // As production runs them: one process per service, production mode, info logs (to nowhere),
    // the default pool size (10), the runtime's Node and glibc settings.
    const common = { NODE_ENV: 'production', LOG_LEVEL: 'info', DATABASE_POOL_MAX: '10', CONSENT_TEXT_KEYS: `bench:${randomBytes(32).toString('base64')}`, ...runtime };
    const consentPort = await freePort();
    children.push(spawnService(root, 'services/consent', FROM, { ...consentEnv, ...common, PORT: String(consentPort) }));
    const consentUrl = `http://127.0.0.1:${consentPort}`;
    const referralsPort = await freePort();
    children.push(
      spawnService(root, 'services/referrals', FROM, {
        ...env.env,
        ...common,
        PORT: String(referralsPort),
        CONSENT_URL: consentUrl,
        // No directory here: the details refresher backs off; nothing read needs it.
        DIRECTORY_URL: 'http://127.0.0.1:9',
        AUTH_CLIENT_TOKEN_URL: tokenServer.url,
        AUTH_CLIENT_ID: 'referrals-service',
        AUTH_CLIENT_SECRET: 'bench',
        REFERRAL_PAYLOAD_KEYS: `bench:${payloadKey.toString('base64')}`,
        ACTION_LINK_KEYS: `bench:${randomBytes(32).toString('base64')}`,
      }),
    );
    const referralsUrl = `http://127.0.0.1:${referralsPort}`;
    const barePort = await freePort();
    children.push(
      spawn(process.execPath, ['--conditions=@referral-hub/source', '--import', 'tsx', fileURLToPath(import.meta.url), 'bare'], {
        cwd: root,
        env: { ...process.env, ...runtime, BARE_PORT: String(barePort), REFERRALS_DATABASE_URL: env.database.url, CONSENT_DATABASE_URL: consentEnv.DATABASE_URL ?? '', PAYLOAD_KEY: payloadKey.toString('base64') },
        stdio: ['ignore', 'ignore', 'inherit'],
      }),
    );
    const bareUrl = `http://127.0.0.1:${barePort}`;
    // The three start side by side (referrals asks consent nothing until a request comes).
    await Promise.all([consentUrl, referralsUrl, bareUrl].map((url) => waitReady(`${url}/livez`, { timeoutMs: 120_000, intervalMs: 100 })));
    console.log(`servers up in ${((performance.now() - began) / 1000).toFixed(0)} s`);

    // Cases with consents and an agreement in force; referrals submitted by their leads.
    const as = async (role: string, org: string, sub = `${role}-${randomUUID()}`) => `Bearer ${await env.issuer.sign({ sub, org, roles: [role] }, { expiresIn: '1h' })}`;
    const call = async (base: string, path: string, auth: string, body: unknown, method = 'POST', expect = 200) => {
      const response = await fetch(`${base}${path}`, { method, headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (response.status !== expect && !(expect === 200 && response.status === 201)) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as { id: string };
    };
    type Case = { owner: string; recipient: string; caseCode: string; serviceId: string; lead: string; focal: string };
    const cases: Case[] = [];
    const givenCase = async (): Promise<void> => {
      const owner = randomUUID();
      const recipient = randomUUID();
      const caseCode = `CASE-${randomBytes(5).toString('hex').toUpperCase()}`;
      const agreement = await call(consentUrl, '/v1/agreements', await as('network_coordinator', randomUUID()), {
        title: 'Bench protocol', partyOrganizationIds: [owner, recipient], dataGroups: ['identity', 'protection', 'health'],
        purposes: ['referral'], means: ['hub'], reviewDate: new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10),
      });
      await call(consentUrl, `/v1/agreements/${agreement.id}/accept`, await as('org_admin', owner), {});
      await call(consentUrl, `/v1/agreements/${agreement.id}/accept`, await as('org_admin', recipient), {});
      const cw = await as('caseworker', owner);
      await call(consentUrl, `/v1/cases/${caseCode}/context`, cw, { childAge: 12, caregiverCanBeAsked: true }, 'PUT');
      const scope = { recipientOrganizationIds: [recipient], fields: ['identity', 'protection.riskLevel'], purposes: ['referral'] };
      const base = { caseCode, method: 'written', explainedInLanguage: 'fr', scope, expiresAt: new Date(Date.now() + 60 * 86_400_000).toISOString() };
      await call(consentUrl, '/v1/consents', cw, { ...base, givenBy: 'caregiver', caregiverRelationship: 'mother', kind: 'consent' });
      await call(consentUrl, '/v1/consents', cw, { ...base, givenBy: 'child', kind: 'assent' });
      cases.push({ owner, recipient, caseCode, serviceId: randomUUID(), lead: await as('caseworker', owner, 'lead'), focal: await as('focal_point', recipient) });
    };
    await inParallel(CASES, 8, givenCase);
    const connection = await connect(env.amqpUrl);
    const channel = await connection.createConfirmChannel();
    for (const c of cases) {
      const event = buildEvent('directory.service.changed', { serviceId: c.serviceId, organizationId: c.recipient, organizationType: 'ngo', status: 'active', acceptsReferrals: true, change: 'created', changedFields: [], version: 1 }, { source: '/services/directory', subject: c.serviceId });
      channel.publish(env.exchange, event.type, Buffer.from(JSON.stringify(event)), { persistent: true, messageId: event.id });
    }
    await channel.waitForConfirms();
    await connection.close();
    while (Number((await pool.query('SELECT count(*) FROM known_service')).rows[0].count) < cases.length) await new Promise((r) => setTimeout(r, 50));

    const reads: { id: string; focal: string; recipient: string }[] = [];
    await inParallel(REFERRALS, 8, async (i) => {
      const c = cases[i % cases.length] as Case;
      const draft = await call(referralsUrl, '/v1/referrals', c.lead, { caseCode: c.caseCode, recipientOrganizationId: c.recipient, recipientServiceId: c.serviceId, urgency: 'high', need: { category: 'neglect', text: 'Suivi' }, payload: PAYLOAD }, 'POST', 201);
      await call(referralsUrl, `/v1/referrals/${draft.id}/submit`, c.lead, {});
      reads.push({ id: draft.id, focal: c.focal, recipient: c.recipient });
    });
    console.log(`referrals submitted in ${((performance.now() - began) / 1000).toFixed(0)} s`);

    // One read of each checks both sides answer what the recipient may see (three consented fields).
    for (const [name, read] of [['hub', hubRead], ['bare', bareRead]] as const) {
      const first = reads[0] as (typeof reads)[number];
      const response = await read(first);
      const body = (await response.json()) as { payload: Record<string, unknown> };
      if (!response.ok || Object.keys(body.payload).sort().join() !== 'child.age,child.firstName,protection.riskLevel') {
        throw new Error(`${name} read answered ${response.status} with ${Object.keys(body.payload ?? {}).join()}`);
      }
    }
    function hubRead(r: { id: string; focal: string }) {
      return fetch(`${referralsUrl}/v1/referrals/${r.id}`, { headers: { authorization: r.focal } });
    }
    function bareRead(r: { id: string; recipient: string }) {
      return fetch(`${bareUrl}/read/${r.id}`, { headers: { 'x-reader-organization': r.recipient } });
    }

    const hub: Result[] = [];
    const bare: Result[] = [];
    // Warm both up (connections, JIT, compiled validators) before measuring.
    await load(reads, hubRead, CLIENTS, 2);
    await load(reads, bareRead, CLIENTS, 2);
    // Node CPU per read of each process (user + system time, from /proc where there is one).
    const [consentChild, referralsChild, bareChild] = children as [ChildProcess, ChildProcess, ChildProcess];
    const cpu = { consent: 0, referrals: 0, bare: 0, hubReads: 0, bareReads: 0 };
    for (let round = 0; round < ROUNDS; round += 1) {
      const before = [consentChild, referralsChild, bareChild].map((child) => cpuMs(child.pid));
      hub.push(await load(reads, hubRead, CLIENTS, SECONDS));
      const between = [consentChild, referralsChild, bareChild].map((child) => cpuMs(child.pid));
      bare.push(await load(reads, bareRead, CLIENTS, SECONDS));
      const after = [consentChild, referralsChild, bareChild].map((child) => cpuMs(child.pid));
      cpu.consent += (between[0] as number) - (before[0] as number);
      cpu.referrals += (between[1] as number) - (before[1] as number);
      cpu.bare += (after[2] as number) - (between[2] as number);
      cpu.hubReads += (hub.at(-1) as Result).rps * SECONDS;
      cpu.bareReads += (bare.at(-1) as Result).rps * SECONDS;
      console.log(`round ${round + 1}: hub ${line(hub.at(-1) as Result)} | bare ${line(bare.at(-1) as Result)}`);
    }
    const hubRps = median(hub.map((r) => r.rps));
    const bareRps = median(bare.map((r) => r.rps));
    const hubP50 = median(hub.map((r) => r.p50));
    const ratio = hubRps / bareRps;
    const errors = hub.reduce((n, r) => n + r.errors, 0) + bare.reduce((n, r) => n + r.errors, 0);
    console.log(`\nRecipient read (${FROM === 'dist' ? 'compiled services' : 'services from source'}), ${CLIENTS} clients, ${ROUNDS} interleaved rounds of ${SECONDS} s, ${REFERRALS} referrals of ${CASES} cases; ${cpus().length} CPUs, load ${loadavg()[0]?.toFixed(1)}`);
    console.log(`  hub (referrals + consent, own processes)   ${hubRps.toFixed(0).padStart(5)} /s   p50 ${hubP50.toFixed(1)} ms   p99 ${median(hub.map((r) => r.p99)).toFixed(1)} ms`);
    console.log(`  bare Express + pg (one process)            ${bareRps.toFixed(0).padStart(5)} /s   p50 ${median(bare.map((r) => r.p50)).toFixed(1)} ms   p99 ${median(bare.map((r) => r.p99)).toFixed(1)} ms`);
    if (cpu.hubReads > 0 && cpu.bareReads > 0 && cpu.bare > 0) {
      console.log(`  Node CPU per read: referrals ${(cpu.referrals / cpu.hubReads).toFixed(2)} ms + consent ${(cpu.consent / cpu.hubReads).toFixed(2)} ms; bare ${(cpu.bare / cpu.bareReads).toFixed(2)} ms`);
    }
    console.log(`  ratio (hub / bare, medians)                ${ratio.toFixed(2)}   goal >= 0.5   errors ${errors}`);
    console.log(benchRowLine({
      id: 'recipient-read',
      path: 'recipient read (decision, projection, access log)',
      hub: `${hubRps.toFixed(0)} /s (p50 ${hubP50.toFixed(0)} ms)`,
      bare: `${bareRps.toFixed(0)} /s`,
      ratio: Number(ratio.toFixed(2)),
      ratioText: ratio.toFixed(2),
      goal: '>= 0.5',
      met: ratio >= 0.5 && errors === 0,
    }));
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => (child.exitCode === null && child.signalCode === null ? new Promise((resolve) => child.once('exit', resolve)) : undefined)));
    for (const close of closers) await close();
    await pool.end();
    await env.cleanup();
  }
}

/** `task(0..count-1)`, at most `width` at a time. */
async function inParallel(count: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

function line(r: Result): string {
  return `${r.rps.toFixed(0)} /s p50 ${r.p50.toFixed(1)} ms p99 ${r.p99.toFixed(1)} ms${r.errors > 0 ? ` errors ${r.errors}` : ''}`;
}

/** `clients` loops, each reading the referrals in turn for `seconds`; latencies of the 200s. */
function load<R>(reads: readonly R[], read: (r: R) => Promise<Response>, clients: number, seconds: number): Promise<Result> {
  let next = 0;
  return closedLoop(clients, seconds, async () => {
    const response = await read(reads[next++ % reads.length] as R);
    await response.arrayBuffer();
    return response.ok;
  });
}

/**
 * The bare server (its own process): per read, the referral row, the decision's six reads and its
 * row on the consent database, both sealed texts opened, the payload projected, the access-log row.
 */
async function serveBare(): Promise<void> {
  const { default: express } = await import('express');
  const { default: pg } = await import('pg');
  const referrals = new pg.Pool({ connectionString: process.env.REFERRALS_DATABASE_URL, max: 10 });
  const consent = new pg.Pool({ connectionString: process.env.CONSENT_DATABASE_URL, max: 10 });
  const key = Buffer.from(process.env.PAYLOAD_KEY ?? '', 'base64');
  const open = (data: Buffer, context: string): string => {
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(data.subarray(12, 28));
    return Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString('utf8');
  };
  type Row = Record<string, unknown> & { id: string; case_code: string; referring_organization_id: string; recipient_organization_id: string; recipient_service_type: string | null; shared_field_keys: string[]; case_categories: string[]; payload_ciphertext: Buffer; need_text_ciphertext: Buffer | null };
  const app = express();
  app.get('/livez', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/read/:id', async (req, res) => {
    const id = req.params.id;
    const reader = String(req.headers['x-reader-organization']);
    const row = (await referrals.query<Row>('SELECT * FROM referral WHERE id = $1', [id])).rows[0];
    if (row === undefined) {
      res.status(404).end();
      return;
    }
    const owner = row.referring_organization_id;
    const recipient = row.recipient_organization_id;
    const [consents] = await Promise.all([
      consent.query<{ id: string; field_keys: string[] }>('SELECT * FROM consent WHERE organization_id = $1 AND case_code = $2 ORDER BY created_at, id', [owner, row.case_code]),
      consent.query('SELECT * FROM override WHERE organization_id = $1 AND case_code = $2 ORDER BY created_at, id', [owner, row.case_code]),
      consent.query(
        `SELECT a.*, coalesce(array_agg(x.organization_id) FILTER (WHERE x.organization_id IS NOT NULL), '{}') AS accepted
           FROM sharing_agreement a LEFT JOIN agreement_acceptance x ON x.agreement_id = a.id
          WHERE a.party_organization_ids @> ARRAY[$1, $2]::uuid[] GROUP BY a.id`,
        [owner, recipient],
      ),
      consent.query('SELECT * FROM network_policy ORDER BY version DESC LIMIT 1'),
      consent.query('SELECT * FROM case_context WHERE organization_id = $1 AND case_code = $2', [owner, row.case_code]),
      consent.query('SELECT * FROM organization_type WHERE organization_id = ANY($1::uuid[])', [[recipient]]),
    ]);
    // No policy rules: a field is allowed when every consent of the case covers it.
    const allowed = row.shared_field_keys.filter((k) => consents.rows.length > 0 && consents.rows.every((c) => c.field_keys.includes(k)));
    const decisionId = randomUUID();
    await consent.query(
      `INSERT INTO decision (id, organization_id, case_code, recipient_organization_id, recipient_service_type, purpose, requested_fields,
                             allowed, denied, consent_ids, override_ids, referral_id, requested_by, requested_by_organization_id)
       VALUES ($1, $2, $3, $4, $5, 'referral', $6, $7, '[]', $8, '{}', $9, 'referrals-service', $10)`,
      [decisionId, owner, row.case_code, recipient, row.recipient_service_type, row.shared_field_keys, allowed, consents.rows.map((c) => c.id), id, recipient],
    );
    const payload = JSON.parse(open(row.payload_ciphertext, id)) as Record<string, unknown>;
    const needText = row.need_text_ciphertext === null ? null : open(row.need_text_ciphertext, id);
    const picked: Record<string, unknown> = {};
    for (const k of allowed) if (k in payload) picked[k] = payload[k];
    await referrals.query(
      'INSERT INTO access_log (id, referral_id, reader_user_id, reader_organization_id, field_keys, decision_id, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [randomUUID(), id, 'focal-point', reader, Object.keys(picked), decisionId, randomUUID()],
    );
    const { payload_ciphertext: _p, need_text_ciphertext: _n, ...envelope } = row;
    res.json({ ...envelope, need_text: needText, payload: picked, access: { fieldKeys: Object.keys(picked), decisionId } });
  });
  const server = app.listen(Number(process.env.BARE_PORT), '127.0.0.1');
  const stop = () => {
    server.close();
    void Promise.all([referrals.end(), consent.end()]).then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
}
