/**
 * No child's data in clear at rest, anywhere: the demo case runs from end to
 * end (plus a referral sent with Idempotency-Keys whose payload holds a birth
 * date and phone numbers, and whose need and notes name the child), then every
 * text, JSON, array and binary column of every table of the four databases,
 * and every Redis value of the hub, is searched for the child's names, birth
 * date and phone numbers. The consent service's free texts (a withdrawal note, a
 * form reference, an override's legal basis, justification and explanation)
 * name the child too, and so do a focal point's SMS replies (the hub keeps the
 * command it read, never the text). Also: a retry after referrals is killed between an
 * accept's commit and its stored answer gets the accepted referral.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createPool } from '@referral-hub/platform';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PAYLOAD } from '../../scripts/demo/case.js';
import type { DemoCase, Referral } from '../../scripts/demo/scenario.js';
import { closeE2eHub, SERVICE_NAMES, startE2eHub } from './harness/hub.js';
import type { E2eHub } from './harness/hub.js';
import { openCase, waitUntilDeliveriesSettle } from './harness/steps.js';

/** The child of the extra referral: names, birth date and phone numbers no other data of the hub holds. */
const CHILD = {
  firstName: 'Zawadikeza',
  lastName: 'Nyamuragizi',
  dateOfBirth: '2014-03-17',
  phone: '+25779456123',
  caregiverName: 'Bellamine Nyamuragizi',
  caregiverPhone: '+25779456987',
};

/** What must never be found in clear: the demo child's names too. */
const NEEDLES = [
  CHILD.firstName,
  CHILD.lastName,
  CHILD.dateOfBirth,
  CHILD.phone,
  CHILD.phone.slice(1),
  CHILD.caregiverPhone.slice(1),
  'Bellamine',
  DEMO_PAYLOAD['child.lastName'],
  DEMO_PAYLOAD['case.summary'].slice(0, 40),
];

let hub: E2eHub;
let demo: DemoCase;

beforeAll(async () => {
  hub = await startE2eHub('at-rest');
  demo = await openCase(hub);
});

afterAll(async () => {
  await closeE2eHub(hub);
});

beforeEach(({ onTestFailed }) => {
  onTestFailed(async () => {
    process.stderr.write(`\nProcess logs:\n${await hub.logs()}\n`);
  });
});

/** A call to the referrals service as a person of the demo, with an Idempotency-Key when given. */
async function referrals(who: 'lead' | 'clinicFocalPoint', path: string, body: unknown, key?: string): Promise<{ status: number; body: Referral }> {
  const token = await hub.token(demo.claimsOf(who));
  const response = await fetch(new URL(path, hub.endpoints.referralsUrl), {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...(key === undefined ? {} : { 'idempotency-key': key }),
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Referral };
}

/** A call to the consent service as the demo's lead (a caseworker of the owning organisation). */
async function consent(method: string, path: string, body: unknown, key?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const token = await hub.token(demo.claimsOf('lead'));
  const response = await fetch(new URL(path, hub.endpoints.consentUrl), {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...(key === undefined ? {} : { 'idempotency-key': key }),
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

type Hit = { where: string; needle: string };

/** Every column of every table of a database that can hold text, and whether each needle is in it. */
async function scanDatabase(service: string, url: string): Promise<{ hits: Hit[]; columns: number }> {
  const client = createPool({ connectionString: url, max: 1, applicationName: 'e2e-at-rest-scan' });
  try {
    const { rows: columns } = await client.query<{ table_schema: string; table_name: string; column_name: string; data_type: string }>(
      `SELECT c.table_schema, c.table_name, c.column_name, c.data_type FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
        WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema')
          AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY', 'USER-DEFINED', 'xml')`,
    );
    const hits: Hit[] = [];
    for (const column of columns) {
      const table = `"${column.table_schema}"."${column.table_name}"`;
      const name = `"${column.column_name}"`;
      for (const needle of NEEDLES) {
        // Binary columns are searched byte for byte (a value stored in clear as bytes), the others as their text (JSON included).
        const sql =
          column.data_type === 'bytea'
            ? `SELECT count(*)::int AS n FROM ${table} WHERE position(convert_to($1, 'UTF8') IN ${name}) > 0`
            : `SELECT count(*)::int AS n FROM ${table} WHERE strpos(${name}::text, $1) > 0`;
        const { rows } = await client.query<{ n: number }>(sql, [needle]);
        if ((rows[0]?.n ?? 0) > 0) hits.push({ where: `${service}: ${column.table_name}.${column.column_name} (${rows[0]?.n} rows)`, needle });
      }
    }
    return { hits, columns: columns.length };
  } finally {
    await client.end();
  }
}

/** Every value of every Redis key of the hub's prefix, whatever its type. */
async function scanRedis(): Promise<{ hits: Hit[]; keys: number }> {
  const redis = new Redis(hub.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const hits: Hit[] = [];
  let keys = 0;
  try {
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${hub.redisPrefix}:*`, 'COUNT', 500);
      cursor = next;
      for (const key of batch) {
        keys += 1;
        const type = await redis.type(key);
        let values: string[] = [];
        if (type === 'string') values = [(await redis.get(key)) ?? ''];
        else if (type === 'hash') values = Object.entries(await redis.hgetall(key)).flat();
        else if (type === 'list') values = await redis.lrange(key, 0, -1);
        else if (type === 'set') values = await redis.smembers(key);
        else if (type === 'zset') values = await redis.zrange(key, '0', '-1');
        else if (type === 'stream') values = [JSON.stringify(await redis.xrange(key, '-', '+'))];
        const text = [key, ...values].join('\n');
        for (const needle of NEEDLES) if (text.includes(needle)) hits.push({ where: `redis: ${key} (${type})`, needle });
      }
    } while (cursor !== '0');
  } finally {
    await redis.quit().catch(() => undefined);
  }
  return { hits, keys };
}

describe('nothing about the child in clear at rest', () => {
  let extra: Referral;

  it('the demo case runs: the clinic is referred, acknowledges, reads, accepts, starts and completes; the lead is told', async () => {
    await demo.refer('clinic');
    await demo.act('clinic', 'acknowledge');
    await demo.read('clinic');
    await demo.act('clinic', 'accept');
    await demo.act('clinic', 'start');
    await demo.act('clinic', 'complete', { note: `Bilan réalisé pour ${DEMO_PAYLOAD['child.firstName']} ${DEMO_PAYLOAD['child.lastName']}.` });
    await demo.waitForLeadMessages('clinic', 'completed');
  });

  it('a second referral, every step sent with an Idempotency-Key, holds a birth date and phones in its payload and the child’s name in its need and notes', async () => {
    const service = demo.services.clinic?.chosen;
    if (service === undefined) throw new Error('the clinic service was not found');
    const created = await referrals(
      'lead',
      '/v1/referrals',
      {
        caseCode: demo.caseCode,
        recipientOrganizationId: service.organizationId,
        recipientServiceId: service.id,
        urgency: 'high',
        need: { category: 'unaccompanied_or_separated', text: `${CHILD.firstName} ${CHILD.lastName} (née le ${CHILD.dateOfBirth}) tousse depuis trois semaines.` },
        payload: {
          'child.firstName': CHILD.firstName,
          'child.lastName': CHILD.lastName,
          'child.dateOfBirth': CHILD.dateOfBirth,
          'child.phone': CHILD.phone,
          'caregiver.name': CHILD.caregiverName,
          'caregiver.phone': CHILD.caregiverPhone,
          'health.conditions': ['Toux persistante'],
        },
      },
      randomUUID(),
    );
    expect(created.status).toBe(201);
    expect(created.body.payload).toMatchObject({ 'child.dateOfBirth': CHILD.dateOfBirth, 'child.phone': CHILD.phone });
    expect(created.body.need.text).toContain(CHILD.firstName);
    const id = created.body.id;
    expect((await referrals('lead', `/v1/referrals/${id}/submit`, {}, randomUUID())).status).toBe(200);
    expect((await referrals('clinicFocalPoint', `/v1/referrals/${id}/acknowledge`, {}, randomUUID())).status).toBe(200);
    const declined = await referrals(
      'clinicFocalPoint',
      `/v1/referrals/${id}/decline`,
      { reasonCode: 'other', note: `${CHILD.firstName} est déjà suivie ailleurs.` },
      randomUUID(),
    );
    expect(declined.status, JSON.stringify(declined.body)).toBe(200);
    extra = declined.body;
    expect(extra.status).toBe('declined');
  });

  it('a retry after referrals is killed between an accept’s commit and its stored answer gets the accepted referral, not a 409', async () => {
    const service = demo.services.clinic?.chosen;
    if (service === undefined) throw new Error('the clinic service was not found');
    const created = await referrals('lead', '/v1/referrals', {
      caseCode: demo.caseCode,
      recipientOrganizationId: service.organizationId,
      recipientServiceId: service.id,
      urgency: 'medium',
      need: { category: 'unaccompanied_or_separated', text: 'Second avis.' },
      payload: { 'health.conditions': ['Toux persistante'] },
    });
    const id = created.body.id;
    expect((await referrals('lead', `/v1/referrals/${id}/submit`, {})).status).toBe(200);
    expect((await referrals('clinicFocalPoint', `/v1/referrals/${id}/acknowledge`, {})).status).toBe(200);
    const key = randomUUID();
    expect((await referrals('clinicFocalPoint', `/v1/referrals/${id}/accept`, {}, key)).status).toBe(200);

    // kill -9 just after the accept committed, before its answer was stored: the claim stays without an answer.
    await hub.stop('referrals', { crash: true });
    const db = createPool({ connectionString: hub.databaseUrls.referrals, max: 1 });
    try {
      const left = await db.query(
        'UPDATE idempotent_request SET status_code = NULL, response = NULL, response_key_id = NULL, response_ciphertext = NULL WHERE key = $1',
        [key],
      );
      expect(left.rowCount).toBe(1);
    } finally {
      await db.end();
    }
    await hub.start('referrals', { env: { IDEMPOTENCY_LEASE_MS: '2000' } });

    const within = await referrals('clinicFocalPoint', `/v1/referrals/${id}/accept`, {}, key);
    // Within the lease (2 s after the claim, which the restart may have outlived) a 409, then the real outcome.
    if (within.status !== 200) expect(within.status).toBe(409);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const retried = await referrals('clinicFocalPoint', `/v1/referrals/${id}/accept`, {}, key);
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body.status).toBe('accepted');
    // The step was taken once: one accept in the history.
    const check = createPool({ connectionString: hub.databaseUrls.referrals, max: 1 });
    try {
      const { rows } = await check.query<{ n: number }>(`SELECT count(*)::int AS n FROM referral_history WHERE referral_id = $1 AND action = 'accept'`, [id]);
      expect(rows[0]?.n).toBe(1);
    } finally {
      await check.end();
    }
  });

  it('the consent service is told the child’s name, birth date and phone in free text: a withdrawal note, a form reference, an override’s legal basis, justification and explanation', async () => {
    const recipient = demo.services.clinic?.chosen?.organizationId;
    if (recipient === undefined) throw new Error('the clinic service was not found');
    const about = `${CHILD.firstName} ${CHILD.lastName}, née le ${CHILD.dateOfBirth}, ${CHILD.phone}`;
    const recorded = await consent(
      'POST',
      '/v1/consents',
      {
        caseCode: demo.caseCode,
        givenBy: 'caregiver',
        caregiverRelationship: 'mother',
        kind: 'consent',
        method: 'written',
        formReference: `Fiche de ${about}`,
        explainedInLanguage: 'fr',
        scope: { recipientOrganizationIds: [recipient], fields: ['health'], purposes: ['referral'] },
        expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      },
      randomUUID(),
    );
    expect(recorded.status, JSON.stringify(recorded.body)).toBe(201);
    const withdrawn = await consent('POST', `/v1/consents/${String(recorded.body.id)}/withdraw`, { reasonCode: 'other', note: `${about} a demandé l’arrêt du partage.` });
    expect(withdrawn.status, JSON.stringify(withdrawn.body)).toBe(200);
    expect(withdrawn.body.withdrawal).toMatchObject({ note: `${about} a demandé l’arrêt du partage.` });
    const override = await consent(
      'POST',
      '/v1/overrides',
      {
        caseCode: demo.caseCode,
        legalBasis: `Ordonnance de placement de ${about}`,
        justification: `${about} est en danger immédiat ; la personne qui s’en occupe est mise en cause.`,
        explanationGiven: `Expliqué à ${about}, avec des mots de son âge : qui recevra quoi, et pourquoi.`,
        scope: { recipientOrganizationIds: [recipient], fields: ['health'], purposes: ['referral'] },
        expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      },
      randomUUID(),
    );
    expect(override.status, JSON.stringify(override.body)).toBe(201);
    expect(override.body.justification).toContain(CHILD.firstName);
    // Why a caregiver cannot be asked is a code: a name there is refused, so never stored.
    const context = await consent('PUT', `/v1/cases/${encodeURIComponent(demo.caseCode)}/context`, { childAge: 9, caregiverCanBeAsked: false, caregiverNotAskedReason: about });
    expect(context.status).toBe(400);
  });

  it('a focal point answers SMS naming the child (after a command, and in a message that is none): each is answered, neither text is kept', async () => {
    await demo.refer('dppe');
    const phone = demo.focalPoint('dppe').phone ?? '';
    const replyCode = demo.referral('dppe').replyCode ?? '';
    const before = hub.sms.received.filter((m) => m.to === phone).length;
    const command = await hub.callbacks.incomingSms({ from: phone, text: `OK ${replyCode} pour ${CHILD.firstName} ${CHILD.lastName} ${CHILD.phone}` });
    expect(command.status).toBe(200);
    const chat = await hub.callbacks.httpIncomingSms({ id: randomUUID(), from: phone, text: `Bonjour, ${CHILD.firstName} ${CHILD.lastName} née le ${CHILD.dateOfBirth} ?` });
    expect(chat.status).toBe(200);
    await demo.waitFor('an answer to each SMS', async () => (hub.sms.received.filter((m) => m.to === phone).length >= before + 2 ? true : undefined));
    for (const answer of hub.sms.received.filter((m) => m.to === phone)) for (const needle of NEEDLES) expect(answer.text).not.toContain(needle);
  });

  it('no column of any table of the four databases, and no Redis value, holds the child’s names, birth date or phone in clear', async () => {
    await waitUntilDeliveriesSettle(demo, 'clinic', 4);
    const results = await Promise.all(SERVICE_NAMES.map((service) => scanDatabase(service, hub.databaseUrls[service])));
    const redis = await scanRedis();
    const hits = [...results.flatMap((r) => r.hits), ...redis.hits];
    const scanned = results.reduce((sum, r) => sum + r.columns, 0);
    process.stdout.write(`Scanned ${scanned} columns in 4 databases and ${redis.keys} Redis keys for ${NEEDLES.length} needles: ${hits.length} hits\n`);
    for (const hit of hits) process.stdout.write(`  found "${hit.needle}" in ${hit.where}\n`);
    expect(scanned).toBeGreaterThan(100);
    expect(redis.keys).toBeGreaterThan(0);
    expect(hits).toEqual([]);
  });

  it('the scan finds what the code before sealing left: an answer stored in clear, a Redis value holding a phone', async () => {
    const db = createPool({ connectionString: hub.databaseUrls.referrals, max: 1 });
    const redis = new Redis(hub.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    const key = `planted-${randomUUID()}`;
    try {
      // As `idempotent_request` kept a create's answer before it was sealed.
      await db.query(
        `INSERT INTO idempotent_request (organization_id, key, request_hash, status_code, response) VALUES ($1::uuid, $2, 'x', 201, $3::jsonb)`,
        [demo.people.lead.organizationId, key, JSON.stringify({ payload: { 'child.firstName': CHILD.firstName } })],
      );
      await redis.set(`${hub.redisPrefix}:${key}`, JSON.stringify({ to: CHILD.phone }));
      const found = [...(await scanDatabase('referrals', hub.databaseUrls.referrals)).hits, ...(await scanRedis()).hits];
      expect(found).toEqual([
        { where: 'referrals: idempotent_request.response (1 rows)', needle: CHILD.firstName },
        { where: `redis: ${hub.redisPrefix}:${key} (string)`, needle: CHILD.phone },
        { where: `redis: ${hub.redisPrefix}:${key} (string)`, needle: CHILD.phone.slice(1) },
      ]);
    } finally {
      await db.query('DELETE FROM idempotent_request WHERE key = $1', [key]);
      await db.end();
      await redis.del(`${hub.redisPrefix}:${key}`);
      await redis.quit().catch(() => undefined);
    }
  });
});
