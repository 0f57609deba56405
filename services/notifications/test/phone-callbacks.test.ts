import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServiceTestEnv } from '@referral-hub/testkit';
import { Pool } from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { purgeInboundMessages } from '../src/data-access/inbound-messages.js';
import { start } from '../src/start.js';
import type { RunningNotifications } from '../src/start.js';
import { createNotificationsTestEnv, stopNotifications } from './support.js';

/**
 * The phone callbacks over the real notifications service (PostgreSQL, Redis, the delivery queue and its
 * worker; SMS caught by the development outbox, as without a provider): a local server stands in for the
 * referrals service's two machine endpoints, speaking their documented contract (`POST /v1/phone-actions`,
 * `POST /v1/phone-inbox`). The whole chain with the real referrals service is the end-to-end tests'.
 */

const KEY = randomBytes(24).toString('base64url');
const FOCAL_FR = '+25779000001';
const FOCAL_EN = '+25779000002';
const STRANGER = '+25779999999';
const poll = { timeout: 20_000, interval: 50 };

type FakeReferral = { code: string; replyCode: string; status: string; urgency: string; dueAt: string | null; service: { fr: string | null; en: string | null } };

/** The referrals service's phone endpoints, as the contract says, over a few referrals of one organisation. */
class FakeReferrals {
  readonly phones = new Map<string, 'fr' | 'en'>([
    [FOCAL_FR, 'fr'],
    [FOCAL_EN, 'en'],
  ]);
  referrals: FakeReferral[] = [];
  readonly seen: Array<{ path: string; body: Record<string, unknown>; authorization: string | undefined }> = [];
  private readonly results = new Map<string, unknown>();
  failing = false;
  server: Server | undefined;
  url = '';

  reset(): void {
    this.referrals = [
      { code: 'REF-AAAA1', replyCode: '4821', status: 'submitted', urgency: 'high', dueAt: new Date(Date.now() + 5 * 3_600_000).toISOString(), service: { fr: 'Soutien psychosocial', en: 'Psychosocial support' } },
      { code: 'REF-BBBB2', replyCode: '7310', status: 'acknowledged', urgency: 'medium', dueAt: new Date(Date.now() + 3 * 86_400_000).toISOString(), service: { fr: 'Prise en charge médicale', en: 'Medical care' } },
      { code: 'REF-CCCC3', replyCode: '5555', status: 'declined', urgency: 'low', dueAt: null, service: { fr: 'Hébergement', en: 'Shelter' } },
    ];
    this.seen.length = 0;
    this.failing = false;
  }

  private act(body: Record<string, unknown>): unknown {
    const key = String(body.requestKey);
    const first = this.results.get(key);
    if (first !== undefined) return { ...(first as object), outcome: 'already_done' };
    const language = this.phones.get(String(body.phone).replace(/[^+\d]/g, ''));
    if (language === undefined) return { outcome: 'unknown_sender', language: 'fr', referral: null };
    const referral = this.referrals.find((r) => r.replyCode === body.replyCode && ['submitted', 'acknowledged', 'accepted', 'in_progress'].includes(r.status));
    if (referral === undefined) return { outcome: 'unknown_code', language, referral: null };
    const view = () => ({ code: referral.code, replyCode: referral.replyCode, status: referral.status, serviceName: referral.service });
    const moves: Record<string, Record<string, string>> = {
      acknowledge: { submitted: 'acknowledged' },
      accept: { submitted: 'accepted', acknowledged: 'accepted' },
      decline: { submitted: 'declined', acknowledged: 'declined' },
      complete: { accepted: 'completed', in_progress: 'completed' },
    };
    const next = moves[String(body.action)]?.[referral.status];
    if (next === undefined) return { outcome: 'not_allowed', language, referral: view(), allowedFrom: Object.keys(moves[String(body.action)] ?? {}) };
    if (body.action === 'decline' && (typeof body.reasonCode !== 'string' || body.reasonCode === 'other')) return { outcome: 'reason_required', language, referral: view() };
    referral.status = next;
    const result = { outcome: 'done', language, referral: view() };
    this.results.set(key, result);
    return result;
  }

  private inbox(body: Record<string, unknown>): unknown {
    const language = this.phones.get(String(body.phone).replace(/[^+\d]/g, ''));
    if (language === undefined) return { outcome: 'unknown_sender', language: 'fr', items: [] };
    const items = this.referrals
      .filter((r) => r.status === 'submitted' || r.status === 'acknowledged')
      .map((r) => ({ referralId: randomUUID(), code: r.code, replyCode: r.replyCode, status: r.status, urgency: r.urgency, serviceName: r.service, dueAt: r.dueAt, overdue: false }));
    return { outcome: 'ok', language, items };
  }

  async start(): Promise<void> {
    const read = (req: IncomingMessage) =>
      new Promise<string>((resolve) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      });
    this.server = createServer((req, res) => {
      void read(req).then((raw) => {
        const body = JSON.parse(raw) as Record<string, unknown>;
        this.seen.push({ path: req.url ?? '', body, authorization: req.headers.authorization });
        if (this.failing) return res.writeHead(503).end();
        const answer = req.method === 'POST' && req.url === '/v1/phone-actions' ? this.act(body) : req.method === 'POST' && req.url === '/v1/phone-inbox' ? this.inbox(body) : undefined;
        if (answer === undefined) return res.writeHead(404).end();
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
}

const referrals = new FakeReferrals();
let testEnv: ServiceTestEnv;
let service: RunningNotifications;
let pool: Pool;

beforeAll(async () => {
  await referrals.start();
  testEnv = await createNotificationsTestEnv('notifications-phone', {
    PHONE_CALLBACK_KEY: KEY,
    PHONE_RATE_LIMIT_MESSAGES: '4',
    REFERRALS_URL: referrals.url,
    AUTH_CLIENT_TOKEN_URL: 'http://127.0.0.1:9/token',
    AUTH_CLIENT_ID: 'notifications-service',
    AUTH_CLIENT_SECRET: 'unused-in-this-test',
    DELIVERY_BACKOFF_MS: '50',
  });
  service = await start({ env: testEnv.env, serviceTokens: { getToken: () => Promise.resolve('notifications-machine-token') } });
  pool = new Pool({ connectionString: testEnv.env.DATABASE_URL });
});

afterAll(async () => {
  await pool?.end();
  await stopNotifications(service, testEnv);
  await new Promise((resolve) => referrals.server?.close(resolve));
});

beforeEach(async () => {
  referrals.reset();
  // Each test starts with fresh limits.
  const keys = await service.redis.client.keys('*:phone:*');
  if (keys.length > 0) await service.redis.client.del(...keys);
});

const url = (path: string, key = KEY) => `${service.url}/callbacks/${encodeURIComponent(key)}${path}`;
const postForm = (path: string, form: Record<string, string>, key?: string) =>
  fetch(url(path, key), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
const postJson = (path: string, json: unknown, key?: string) => fetch(url(path, key), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) });

let counter = 0;
/** Africa's Talking's incoming-message callback. */
const atSms = (from: string, text: string, id = `ATXid_${++counter}_${randomUUID()}`) => postForm('/sms/africastalking', { from, to: '12345', text, date: '2026-12-06 10:40:32', id, linkId: randomUUID() });

/** The SMS caught for `to` (newest last), once as many as `count` are there. */
async function smsTo(to: string, count: number): Promise<string[]> {
  let texts: string[] = [];
  await expect
    .poll(async () => {
      const rows = await service.db.client.devOutbox.findMany({ where: { recipient: to, channel: 'sms' }, orderBy: { createdAt: 'asc' } });
      texts = rows.map((row) => row.bodyText);
      return texts.length;
    }, poll)
    .toBeGreaterThanOrEqual(count);
  return texts;
}

/** Empties the caught messages once every reply queued so far (by earlier tests too) has been sent. */
async function clearOutbox(): Promise<void> {
  await expect.poll(() => service.db.client.delivery.count({ where: { status: { in: ['queued', 'sending'] } } }), poll).toBe(0);
  await service.db.client.devOutbox.deleteMany({});
}

describe('the callback key', () => {
  it('a wrong key, or a key of another length, is the same 404 as an unknown path', async () => {
    for (const key of [`${KEY.slice(0, -1)}x`, 'short', `${KEY}${KEY}`]) {
      const response = await atSms(FOCAL_FR, 'OK 4821');
      expect(response.status).toBe(200);
      const wrong = await postForm('/sms/africastalking', { from: FOCAL_FR, text: 'OK 7310', id: randomUUID() }, key);
      expect(wrong.status).toBe(404);
      expect(wrong.headers.get('content-type')).toContain('application/problem+json');
      const unknownPath = await fetch(`${service.url}/callbacks/${key}/nothing-here`, { method: 'POST' });
      expect(((await wrong.json()) as { detail: string }).detail).toBe(((await unknownPath.json()) as { detail: string }).detail);
      const ussd = await postForm('/ussd/africastalking', { sessionId: 's', serviceCode: '*1#', phoneNumber: FOCAL_FR, text: '' }, key);
      expect(ussd.status).toBe(404);
      const report = await postJson('/delivery-reports/http', { id: 'x', status: 'delivered' }, key);
      expect(report.status).toBe(404);
    }
    // Nothing reached the referrals service with a wrong key: only the right-key messages did.
    expect(referrals.seen.filter((call) => call.body.replyCode === '7310')).toEqual([]);
  });

  it('calls the referrals service with this service\'s machine token', async () => {
    await atSms(FOCAL_FR, 'AIDE');
    expect(referrals.seen[0]?.authorization).toBe('Bearer notifications-machine-token');
  });

  it('refuses a form body beyond 8 kB before reading it', async () => {
    const response = await postForm('/sms/africastalking', { from: FOCAL_FR, text: 'x'.repeat(9000), id: randomUUID() });
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(referrals.seen).toEqual([]);
  });

  it('names the missing fields of a callback', async () => {
    const response = await postForm('/sms/africastalking', { to: '12345', text: 'OK 4821' });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: Array<{ field: string }> };
    expect(problem.errors.map((error) => error.field).sort()).toEqual(['body.from', 'body.id']);
  });
});

describe('SMS commands', () => {
  it('an acknowledgement by SMS is taken and confirmed in French, naming the code and the new status', async () => {
    await clearOutbox();
    const response = await atSms(FOCAL_FR, 'ok 4821');
    expect(response.status).toBe(200);
    expect(referrals.referrals[0]?.status).toBe('acknowledged');
    expect(referrals.seen[0]?.body).toMatchObject({ channel: 'sms', phone: FOCAL_FR, replyCode: '4821', action: 'acknowledge' });
    const [reply] = await smsTo(FOCAL_FR, 1);
    expect(reply).toBe("C'est fait : REF-AAAA1 (code 4821) est maintenant recu.");
    // The reply went through the delivery log like every SMS, and was sent.
    await expect.poll(async () => (await pool.query<{ status: string }>("SELECT status FROM delivery WHERE event_type = 'phone.reply' AND message_kind = 'phone_reply_done'")).rows[0]?.status, poll).toBe('sent');
  });

  it('a decline with a reason word goes with the catalogue code; without one, the reasons are listed in English', async () => {
    await clearOutbox();
    const without = await postJson('/sms/http', { id: randomUUID(), from: FOCAL_EN, text: 'NO 7310' });
    expect(await without.json()).toEqual({ outcome: 'reason_required' });
    expect(referrals.referrals[1]?.status).toBe('acknowledged');
    const withReason = await postJson('/sms/http', { id: randomUUID(), from: FOCAL_EN, text: 'no 7310 full' });
    expect(await withReason.json()).toEqual({ outcome: 'done' });
    expect(referrals.seen.at(-1)?.body).toMatchObject({ action: 'decline', reasonCode: 'no_capacity', replyCode: '7310' });
    const replies = await smsTo(FOCAL_EN, 2);
    expect(replies[0]).toContain('A reason is needed: NO 7310 then its number. 1 Not eligible, 2 No capacity');
    expect(replies[1]).toBe('Done: REF-BBBB2 (code 7310) is now declined.');
  });

  it('an action the state does not allow is explained; an unknown code says nothing about other organisations', async () => {
    await clearOutbox();
    expect(await (await postJson('/sms/http', { id: randomUUID(), from: FOCAL_FR, text: 'FINI 7310' })).json()).toEqual({ outcome: 'not_allowed' });
    expect(await (await postJson('/sms/http', { id: randomUUID(), from: FOCAL_FR, text: 'OK 9999' })).json()).toEqual({ outcome: 'unknown_code' });
    const replies = await smsTo(FOCAL_FR, 2);
    expect(replies).toContain('REF-BBBB2 (code 7310) est recu : impossible de le terminer. Possible : ACCEPTE 7310, NON 7310 motif.');
    expect(replies).toContain('Le code 9999 ne correspond à aucun référencement en cours de votre organisation. Envoyez AIDE pour les commandes.');
  });

  it('AIDE from a known number answers the commands in their language; an unknown number gets the neutral answer whatever it sent', async () => {
    await clearOutbox();
    expect(await (await postJson('/sms/http', { id: randomUUID(), from: FOCAL_EN, text: 'help' })).json()).toEqual({ outcome: 'help' });
    expect((await smsTo(FOCAL_EN, 1))[0]).toContain('Reply with the code you got: OK 4821');
    for (const text of ['OK 4821', 'AIDE', 'bonjour']) {
      expect(await (await postJson('/sms/http', { id: randomUUID(), from: STRANGER, text })).json()).toEqual({ outcome: 'unknown_sender' });
    }
    expect(referrals.referrals[0]?.status).toBe('submitted');
    const replies = await smsTo(STRANGER, 3);
    expect(new Set(replies)).toEqual(new Set(['Message non traité. / Message not processed.']));
  });

  it('a redelivered callback (same message id) changes nothing and sends no second reply', async () => {
    await clearOutbox();
    const id = `ATXid_${randomUUID()}`;
    expect((await atSms(FOCAL_FR, 'ACCEPTE 4821', id)).status).toBe(200);
    expect((await atSms(FOCAL_FR, 'ACCEPTE 4821', id)).status).toBe(200);
    const json = await postJson('/sms/http', { id, from: FOCAL_FR, text: 'ACCEPTE 4821' });
    // The generic gateway's id space is its own: the same id from another provider is another message, and the
    // referrals service, asked again with another request key, finds the step already taken (not allowed now).
    expect(await json.json()).toEqual({ outcome: 'not_allowed' });
    expect(referrals.seen.filter((call) => call.path === '/v1/phone-actions' && String(call.body.requestKey).startsWith('sms:africastalking:'))).toHaveLength(1);
    expect(referrals.referrals[0]?.status).toBe('accepted');
    await smsTo(FOCAL_FR, 2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const replies = await smsTo(FOCAL_FR, 2);
    expect(replies.filter((text) => text.startsWith("C'est fait"))).toHaveLength(1);
    expect(replies).toHaveLength(2);
  });

  it('a provider message id of 200 characters still makes a request key the referrals service takes', async () => {
    const id = `ATXid_${'x'.repeat(194)}`;
    expect((await atSms(FOCAL_FR, 'OK 4821', id)).status).toBe(200);
    const key = String(referrals.seen.at(-1)?.body.requestKey);
    expect(key.length).toBeLessThanOrEqual(200);
    expect(referrals.referrals[0]?.status).toBe('acknowledged');
  });

  it('keeps the command and its outcome, never the text or the number', async () => {
    const id = `ATXid_${randomUUID()}`;
    await atSms(FOCAL_FR, 'NON 4821 la famille de Marie Ndayishimiye a refusé', id);
    const { rows } = await pool.query<Record<string, unknown>>('SELECT * FROM inbound_message WHERE message_id = $1', [id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ provider: 'africastalking', command: 'decline 4821 family_declined', outcome: 'done' });
    const stored = JSON.stringify(rows);
    expect(stored).not.toMatch(/Marie|Ndayishimiye|famille/);
    expect(stored).not.toContain(FOCAL_FR.slice(1));
    const columns = await pool.query<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_name = 'inbound_message'");
    expect(columns.rows.map((row) => row.column_name).sort()).toEqual(['command', 'message_id', 'outcome', 'processed_at', 'provider', 'received_at']);
  });

  it('forgets messages after a month, long past any redelivery', async () => {
    const old = `ATXid_${randomUUID()}`;
    const recent = `ATXid_${randomUUID()}`;
    await service.db.client.inboundMessage.createMany({
      data: [
        { provider: 'africastalking', messageId: old, command: 'help', outcome: 'help', receivedAt: new Date(Date.now() - 31 * 86_400_000) },
        { provider: 'africastalking', messageId: recent, command: 'help', outcome: 'help', receivedAt: new Date(Date.now() - 29 * 86_400_000) },
      ],
    });
    expect(await purgeInboundMessages(service.db.client, new Date(Date.now() - 30 * 86_400_000))).toBeGreaterThanOrEqual(1);
    const left = await service.db.client.inboundMessage.findMany({ where: { messageId: { in: [old, recent] } } });
    expect(left.map((row) => row.messageId)).toEqual([recent]);
  });

  it('the referrals service down answers 503 and keeps nothing, so the provider\'s retry is handled', async () => {
    const id = `ATXid_${randomUUID()}`;
    referrals.failing = true;
    const down = await atSms(FOCAL_FR, 'OK 4821', id);
    expect(down.status).toBe(503);
    expect((await pool.query('SELECT 1 FROM inbound_message WHERE message_id = $1', [id])).rowCount).toBe(0);
    referrals.failing = false;
    expect((await atSms(FOCAL_FR, 'OK 4821', id)).status).toBe(200);
    expect(referrals.referrals[0]?.status).toBe('acknowledged');
  });

  it('beyond the limit per number nothing is done, and one short reply is sent per window', async () => {
    await clearOutbox();
    const outcomes: string[] = [];
    for (let n = 0; n < 7; n += 1) {
      const response = await postJson('/sms/http', { id: randomUUID(), from: FOCAL_EN, text: 'OK 9999' });
      outcomes.push(((await response.json()) as { outcome: string }).outcome);
    }
    expect(outcomes).toEqual(['unknown_code', 'unknown_code', 'unknown_code', 'unknown_code', 'rate_limited', 'rate_limited', 'rate_limited']);
    expect(referrals.seen).toHaveLength(4);
    // Another number is counted apart.
    expect(await (await postJson('/sms/http', { id: randomUUID(), from: FOCAL_FR, text: 'OK 4821' })).json()).toEqual({ outcome: 'done' });
    const replies = await smsTo(FOCAL_EN, 5);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await smsTo(FOCAL_EN, 5)).filter((text) => text.startsWith('Trop de messages'))).toHaveLength(1);
    expect(replies.length).toBe(5);
  });
});

describe('the USSD menu', () => {
  const session = () => {
    const sessionId = `ATUid_${randomUUID()}`;
    return async (text: string, phoneNumber = FOCAL_FR) => {
      const response = await postForm('/ussd/africastalking', { sessionId, serviceCode: '*384*123#', phoneNumber, text, networkCode: '64101' });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const screen = await response.text();
      expect(screen).toMatch(/^(CON|END) /);
      expect(screen.length).toBeLessThanOrEqual(182);
      return screen;
    };
  };

  it('from the list to an acceptance, in French, every screen within 182 characters', async () => {
    const step = session();
    const list = await step('');
    expect(list).toBe('CON En attente :\n1 4821 Soutien psychosocial URG 5h\n2 7310 Prise en charge médicale moy 3j\n0 English');
    const item = await step('1');
    expect(item).toBe('CON 4821 Soutien psychosocial\nUrgence URG, 5h\n1 Accuser réception\n2 Accepter\n3 Refuser\n0 Retour');
    // Meanwhile the list changes: the number still means the referral the person saw, even if the first
    // step is delivered again.
    referrals.referrals.reverse();
    expect(await step('')).toBe(list);
    const done = await step('1*2');
    expect(done).toBe("END C'est fait : REF-AAAA1 (code 4821) est maintenant accepté.");
    expect(referrals.seen.at(-1)?.body).toMatchObject({ channel: 'ussd', phone: FOCAL_FR, replyCode: '4821', action: 'accept' });
    expect(String(referrals.seen.at(-1)?.body.requestKey)).toMatch(/^ATUid_.+:1\*2$/);
    // The same step delivered again is taken once.
    expect(await step('1*2')).toBe('END Déjà enregistré.');
    expect(referrals.referrals.find((r) => r.replyCode === '4821')?.status).toBe('accepted');
  });

  it('a decline with its reason, in English after switching, and invalid choices shown again', async () => {
    const step = session();
    await step('');
    const english = await step('0');
    expect(english).toContain('CON Waiting:\n1 4821 Psychosocial support HIGH 5h');
    expect(english).toContain('0 Français');
    expect(await step('0*7')).toMatch(/^CON Invalid choice\.\nWaiting:/);
    const item = await step('0*7*2');
    expect(item).toBe('CON 7310 Medical care\nUrgency med, 3d\n2 Accept\n3 Decline\n0 Back');
    const reasons = await step('0*7*2*3');
    expect(reasons).toBe('CON Reason for declining:\n1 Not eligible\n2 No capacity\n3 Service not offered\n4 Family unreachable\n5 Family declined\n6 Duplicate\n0 Back');
    const done = await step('0*7*2*3*6');
    expect(done).toBe('END Done: REF-BBBB2 (code 7310) is now declined.');
    expect(referrals.seen.at(-1)?.body).toMatchObject({ action: 'decline', reasonCode: 'duplicate_referral', replyCode: '7310' });
  });

  it('the French reasons screen, and long service names, stay within 182 characters', async () => {
    for (const r of referrals.referrals) r.service = { fr: 'Service de prise en charge psychosociale et juridique des enfants', en: null };
    referrals.referrals.push(
      ...Array.from({ length: 8 }, (_, n) => ({ code: `REF-X${n}`, replyCode: `48210${n}`, status: 'submitted', urgency: 'high', dueAt: null, service: { fr: 'Service au nom très long pour un écran', en: null } })),
    );
    const step = session();
    const list = await step('');
    expect(list.split('\n').length).toBeGreaterThan(3);
    expect(list.split('\n').slice(1, -1).every((line) => /^\d \d{4,6} .+ (URG|moy|bas) (retard|-|\d+[hj])$/.test(line)), list).toBe(true);
    const english = await step('0');
    expect(english).toMatch(/^CON Waiting:\n1 /);
    expect(english.endsWith('\n0 Français')).toBe(true);
    expect(await step('1')).toContain('1 Accuser réception');
    expect(await step('1*3')).toBe('CON Motif du refus :\n1 Hors critères\n2 Capacité atteinte\n3 Service non offert\n4 Famille injoignable\n5 Refus de la famille\n6 Doublon\n0 Retour');
  });

  it('an unknown number gets a neutral END, and a session the hub no longer knows is ended', async () => {
    expect(await session()('', STRANGER)).toBe('END Service non disponible pour ce numéro. / Service not available for this number.');
    expect(await session()('1*2')).toMatch(/^END Session expirée/);
    expect(referrals.seen.filter((call) => call.path === '/v1/phone-actions')).toEqual([]);
  });
});

describe('delivery reports', () => {
  it('reach the delivery log from both providers; an unknown id changes nothing', async () => {
    await clearOutbox();
    await atSms(FOCAL_FR, 'AIDE');
    let providerMessageId: string | null = null;
    await expect
      .poll(async () => {
        const row = await service.db.client.delivery.findFirst({ where: { messageKind: 'phone_reply_help', status: 'sent' } });
        providerMessageId = row?.providerMessageId ?? null;
        return providerMessageId;
      }, poll)
      .not.toBeNull();
    const unknown = await postJson('/delivery-reports/http', { id: 'never-sent', status: 'delivered' });
    expect(await unknown.json()).toEqual({ outcome: 'unknown' });
    const report = await postForm('/delivery-reports/africastalking', { id: String(providerMessageId), status: 'Success', phoneNumber: FOCAL_FR, failureReason: '', retryCount: '0', networkCode: '64101' });
    expect(report.status).toBe(200);
    await expect.poll(async () => (await service.db.client.delivery.findFirst({ where: { providerMessageId: String(providerMessageId) } }))?.deliveredAt ?? null, poll).not.toBeNull();
    const bad = await postForm('/delivery-reports/africastalking', { id: 'x', status: 'Lost' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: Array<{ field: string }> }).errors[0]?.field).toBe('body.status');
  });
});
