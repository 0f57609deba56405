/**
 * Decision throughput at 20 concurrent clients: the consent service's `POST /v1/decisions` (token
 * verification, OpenAPI validation, the decision's reads, the decision rules, the stored decision
 * row) beside a bare Express + pg server doing the same database work inline (the same reads and
 * the decision row's insert) and nothing else. Each server runs in its own process (the service
 * as `npm start` runs it); this process seeds the scratch database and generates the load, in
 * interleaved rounds (hub, bare, hub, bare, …), and reports medians. The service runs from its
 * compiled JavaScript as `npm start` runs it; the bare server from its TypeScript through tsx.
 *
 *   node --conditions=@referral-hub/source --import tsx services/consent/bench/decisions.ts
 *
 * Needs PostgreSQL and RabbitMQ on localhost (as the tests do). Loopback only; bounded in time.
 * BENCH_SECONDS (seconds per round and side, default 8, 3 with BENCH_QUICK=1), BENCH_ROUNDS (default 3), BENCH_CLIENTS
 * (default 20) change the load; BENCH_CONSUME=1 asks consuming decisions (`consume: true`, as the
 * referrals service does at submit) of both sides; BENCH_CPU_PROF=<dir> writes the service's CPU
 * profile there; BENCH_FROM=source runs the service from its TypeScript through tsx rather than
 * its compiled `dist/start.js` (built first when stale); BENCH_SERVICE_ENTRY runs another
 * TypeScript entry point of the service (an earlier version, to compare).
 *
 * Prints a summary and one `BENCH_ROW {...}` line (id `consent-decision`) for `npm run bench`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServiceTestEnv } from '@referral-hub/testkit';
import { benchRowLine, closedLoop, cpuMs, freePort, median, stopChild, waitReady } from '@referral-hub/testkit/bench';
import type { LoadResult } from '@referral-hub/testkit/bench';
import pg from 'pg';

const CASES = 5000;
const OWNERS = 50;
const RECIPIENTS = 20;
const QUICK = process.env.BENCH_QUICK === '1';
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 3 : 8));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 20);
const CONSUME = process.env.BENCH_CONSUME === '1';
const CPU_PROF = process.env.BENCH_CPU_PROF;
const FROM = process.env.BENCH_FROM === 'source' ? 'source' : 'dist';
const GOAL = 0.6;
const FIELDS = ['child.firstName', 'child.age', 'protection.riskLevel', 'health.conditions', 'confidential.notes'];

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));
const env = await createServiceTestEnv({ name: 'consent-bench', migrationsDir, extraEnv: { DATABASE_POOL_MAX: '20', LOG_LEVEL: 'silent' } });
const pool = new pg.Pool({ connectionString: env.database.url, max: 4 });
const children: ChildProcess[] = [];
const logDir = mkdtempSync(join(tmpdir(), 'consent-bench-'));

try {
  const owners = Array.from({ length: OWNERS }, () => randomUUID());
  const recipients = Array.from({ length: RECIPIENTS }, () => randomUUID());
  const cases = Array.from({ length: CASES }, (_, i) => ({ code: `CASE-B${String(i).padStart(6, '0')}`, owner: owners[i % OWNERS] as string, recipient: recipients[i % RECIPIENTS] as string }));
  await seed(pool, owners, recipients, cases);

  const [servicePort, barePort] = [await freePort(), await freePort()];
  // As production runs it (`npm start`): compiled JavaScript, built first when stale.
  const { buildStale, runtimeEnv } = await import('../../../scripts/lib/build.mjs');
  const entry = process.env.BENCH_SERVICE_ENTRY;
  if (FROM === 'dist' && entry === undefined) {
    await buildStale(repoRoot, { packages: ['packages/contracts', 'packages/platform', 'services/consent'], quiet: true });
  }
  const serviceUrl = await spawnServer(
    'consent service',
    [
      ...(CPU_PROF === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`]),
      ...(entry !== undefined
        ? ['--conditions=@referral-hub/source', '--import', 'tsx', entry]
        : FROM === 'dist'
          ? ['services/consent/dist/start.js']
          : ['--conditions=@referral-hub/source', '--import', 'tsx', 'services/consent/src/start.ts']),
    ],
    {
      ...runtimeEnv(process.env),
      ...env.env,
      NODE_ENV: 'production',
      PORT: String(servicePort),
      DATABASE_POOL_MAX: '20',
      LOG_LEVEL: 'info',
      CONSENT_TEXT_KEYS: `bench:${randomBytes(32).toString('base64')}`,
      CONSENT_EXPIRY_INTERVAL_MS: '15000',
    },
    servicePort,
    '/readyz',
  );
  const bareUrl = await spawnServer(
    'bare server',
    ['--conditions=@referral-hub/source', '--import', 'tsx', 'services/consent/bench/bare-server.ts'],
    { DATABASE_URL: env.database.url, DATABASE_POOL_MAX: '20', PORT: String(barePort) },
    barePort,
    null,
  );

  const authorization = await env.authorization({ sub: 'referrals-service', org: randomUUID(), roles: ['system'] });
  const body = (i: number) => {
    const c = cases[i % CASES]!;
    return JSON.stringify({
      caseCode: c.code,
      ownerOrganizationId: c.owner,
      recipientOrganizationId: c.recipient,
      purpose: 'referral',
      fields: FIELDS,
      caseCategories: ['neglect'],
      ...(CONSUME ? { consume: true, referralId: randomUUID() } : {}),
    });
  };
  const hubTarget = { url: `${serviceUrl}/v1/decisions`, authorization, pid: children[0]?.pid };
  const bareTarget = { url: `${bareUrl}/decide`, authorization, pid: children[1]?.pid };

  // Warm both up (connections, JIT, compiled validators) before measuring.
  await load(hubTarget, body, QUICK ? 2 : 3);
  await load(bareTarget, body, QUICK ? 2 : 3);
  const hub: Result[] = [];
  const bare: Result[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    hub.push(await load(hubTarget, body, SECONDS));
    bare.push(await load(bareTarget, body, SECONDS));
  }

  const hubRps = median(hub.map((r) => r.rps));
  const bareRps = median(bare.map((r) => r.rps));
  const hubP50 = median(hub.map((r) => r.p50));
  const ratio = hubRps / bareRps;
  const line = (name: string, r: Result) =>
    `  ${name.padEnd(30)} ${r.rps.toFixed(0).padStart(6)} /s   p50 ${r.p50.toFixed(1).padStart(6)} ms   p99 ${r.p99.toFixed(1).padStart(6)} ms   server CPU ${r.cpuMsPerRequest.toFixed(2)} ms/request   errors ${r.errors}`;
  console.log(
    `\nConsent decisions${CONSUME ? ' (consuming)' : ''}: ${CLIENTS} clients, ${ROUNDS} interleaved rounds of ${SECONDS} s per side; ` +
      `${CASES} cases, ${CASES * 2} consents, ${OWNERS * RECIPIENTS} agreements; ${cpus().length} CPUs, ${Math.round(totalmem() / 2 ** 30)} GB`,
  );
  hub.forEach((r, i) => {
    console.log(line(`round ${i + 1} consent service`, r));
    console.log(line(`round ${i + 1} bare Express + pg`, bare[i]!));
  });
  const hubCpu = median(hub.map((r) => r.cpuMsPerRequest));
  const bareCpu = median(bare.map((r) => r.cpuMsPerRequest));
  console.log(`  server process CPU per request (median): service ${hubCpu.toFixed(2)} ms, bare ${bareCpu.toFixed(2)} ms`);
  console.log(`  median: service ${hubRps.toFixed(0)} /s (p50 ${hubP50.toFixed(1)} ms), bare ${bareRps.toFixed(0)} /s, ratio ${ratio.toFixed(2)} (goal >= ${GOAL})`);
  const errors = [...hub, ...bare].reduce((sum, r) => sum + r.errors, 0);
  if (errors > 0) console.log(`  WARNING: ${errors} requests failed`);
  console.log(
    benchRowLine({
      id: CONSUME ? 'consent-decision-consuming' : 'consent-decision',
      path: CONSUME ? 'consuming consent decision' : 'consent decision',
      hub: `${hubRps.toFixed(0)} /s (p50 ${hubP50.toFixed(0)} ms)`,
      bare: `${bareRps.toFixed(0)} /s`,
      ratio: Number(ratio.toFixed(2)),
      ratioText: ratio.toFixed(2),
      goal: `>= ${GOAL}`,
      met: ratio >= GOAL && errors === 0,
    }),
  );
} finally {
  await Promise.all(children.map((child) => stopChild(child)));
  await pool.end();
  await env.cleanup();
  rmSync(logDir, { recursive: true, force: true });
}

type Result = LoadResult & { cpuMsPerRequest: number };
type Target = { url: string; authorization: string; pid: number | undefined };

/** CLIENTS loops posting one request after another for `seconds`, on keep-alive connections. */
async function load(target: Target, body: (i: number) => string, seconds: number): Promise<Result> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  let counter = 0;
  const cpuBefore = cpuMs(target.pid);
  const result = await closedLoop(CLIENTS, seconds, async () => (await post(agent, target, body((counter++ * 7919) % CASES))) === 201);
  const cpuUsed = cpuMs(target.pid) - cpuBefore;
  agent.destroy();
  return { ...result, cpuMsPerRequest: cpuUsed / Math.max(1, result.count + result.errors) };
}

function post(agent: http.Agent, target: Target, payload: string): Promise<number> {
  return new Promise((resolve) => {
    const request = http.request(
      target.url,
      { method: 'POST', agent, headers: { authorization: target.authorization, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', () => resolve(0));
    request.end(payload);
  });
}

/** Starts a server in its own Node process from the repository root; resolves once it answers. */
async function spawnServer(name: string, args: string[], childEnv: Record<string, string>, port: number, readyPath: string | null): Promise<string> {
  // Its output goes to a file, as a production log goes to its collector: a pipe to this busy
  // process would fill and block the server's synchronous log writes.
  const logFile = join(logDir, `${name.replace(/\W+/g, '-')}.log`);
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, args, { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', ...childEnv }, stdio: ['ignore', log, log] });
  closeSync(log);
  children.push(child);
  const output = () => readFileSync(logFile, 'utf8').slice(-4000);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}${readyPath ?? '/'}`, { anyStatus: readyPath === null, child, describe: output });
  return url;
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
