import { randomBytes, randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { buildEvent } from '@referral-hub/contracts';
import { openProducer } from '@referral-hub/testkit';
import type { ServiceTestEnv } from '@referral-hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevOutboxServer } from '../src/delivery/dev-outbox.js';
import type { DevInboundSms } from '../src/delivery/dev-outbox.js';
import { start } from '../src/start.js';
import type { RunningNotifications } from '../src/start.js';
import { createNotificationsTestEnv, stopNotifications } from './support.js';

let testEnv: ServiceTestEnv;
let service: RunningNotifications | undefined;

beforeAll(async () => {
  testEnv = await createNotificationsTestEnv('notifications-dev-outbox', { DELIVERY_BACKOFF_MS: '50' });
});

afterAll(async () => {
  await stopNotifications(service, testEnv);
});

describe('the development catcher', () => {
  it('without a mail relay or SMS provider, messages are caught and listed on the local catcher page, escaped', async () => {
    const lead = { role: 'lead' as const, userId: `user-${randomUUID()}`, focalPointId: null, email: `lead-${randomUUID()}@tde.example`, phone: '+22670000009', language: 'en' as const };
    service = await start({
      env: { ...testEnv.env, NODE_ENV: 'development', DEV_OUTBOX_PORT: '0' },
      contexts: {
        load: () =>
          Promise.resolve({
            names: { serviceName: 'Soutien <b>psychosocial</b>', referringOrganizationName: 'Terre des Enfants', recipientOrganizationName: 'Aide Nord' },
            lead,
            supervisor: null,
            focalPoints: [],
          }),
      },
    });
    await service.consumer?.waitUntilConsuming();
    await service.db.client.preference.create({ data: { userId: lead.userId, organizationId: randomUUID(), channels: ['email', 'sms'], language: 'en' } });
    const referralId = randomUUID();
    const event = buildEvent(
      'referral.completed',
      {
        referralId,
        referralCode: 'REF-7K2Q9',
        caseCode: 'CASE-2027-0042',
        kind: 'referral',
        status: 'completed',
        previousStatus: 'in_progress',
        urgency: 'low',
        referringOrganizationId: randomUUID(),
        recipientOrganizationId: randomUUID(),
        recipientServiceId: randomUUID(),
        actor: null,
        occurredAt: '2027-03-01T08:30:00.000Z',
      },
      { source: '/services/referrals', subject: referralId },
    );
    const producer = await openProducer({ url: testEnv.amqpUrl, exchange: testEnv.exchange });
    await producer.publish(event);
    await producer.close();

    await expect
      .poll(async () => (await service?.db.client.delivery.findMany({ where: { referralId } }))?.map((d) => d.status), { timeout: 15_000, interval: 50 })
      .toEqual(['sent', 'sent']);
    const page = await fetch(service.devOutboxUrl ?? 'http://127.0.0.1:1/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain(`E-mail</strong> to ${lead.email}: Referral REF-7K2Q9: service delivered`);
    expect(html).toContain('SMS</strong> to +22670000009');
    expect(html).toContain('Soutien &lt;b&gt;psychosocial&lt;/b&gt;');
    expect(html).not.toContain('Soutien <b>psychosocial</b>');

    // The same as JSON, for scripts and end-to-end tests: newest first, filtered by address and time.
    const api = new URL('api/messages', service.devOutboxUrl);
    const all = (await (await fetch(api)).json()) as { items: { id: string; channel: string; to: string; subject: string | null; text: string; createdAt: string }[] };
    expect(all.items.map((m) => m.channel).sort()).toEqual(['email', 'sms']);
    const [newest, oldest] = all.items;
    expect(Date.parse(newest?.createdAt ?? '')).toBeGreaterThanOrEqual(Date.parse(oldest?.createdAt ?? ''));
    const email = all.items.find((m) => m.channel === 'email');
    expect(email).toEqual({ id: expect.any(String), channel: 'email', to: lead.email, subject: 'Referral REF-7K2Q9: service delivered', text: expect.stringContaining('REF-7K2Q9'), createdAt: expect.any(String) });
    expect(all.items.find((m) => m.channel === 'sms')).toMatchObject({ to: '+22670000009', subject: null, text: expect.stringContaining('REF-7K2Q9') });
    const forLead = (await (await fetch(`${api.href}?to=${encodeURIComponent(lead.email.toUpperCase())}`)).json()) as { items: { to: string }[] };
    expect(forLead.items.map((m) => m.to)).toEqual([lead.email]);
    const since = new Date(Date.parse(email?.createdAt ?? '') + 1).toISOString();
    const after = (await (await fetch(`${api.href}?since=${encodeURIComponent(since)}`)).json()) as { items: { id: string }[] };
    expect(after.items.map((m) => m.id)).not.toContain(email?.id);
    const atTheTime = (await (await fetch(`${api.href}?since=${encodeURIComponent(email?.createdAt ?? '')}`)).json()) as { items: { id: string }[] };
    expect(atTheTime.items.map((m) => m.id)).toContain(email?.id);
    const bad = await fetch(`${api.href}?since=yesterday`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: expect.stringContaining('since') });
    await service.stop();
    service = undefined;
  });

  it("lists an e-mail's links to click, marks a caught SMS delivered, and answers an SMS from the page as its recipient would", async () => {
    const email = `fp-${randomUUID()}@aide-nord.example`;
    const phone = `+2257${Math.floor(Math.random() * 1e9).toString().padStart(9, '0')}`;
    const tokens = { acknowledge: `ack_${randomUUID()}`, accept: `acc_${randomUUID()}`, decline: `dec_${randomUUID()}`, expiresAt: '2027-03-04T08:30:00.000Z' };
    service = await start({
      env: { ...testEnv.env, NODE_ENV: 'development', DEV_OUTBOX_PORT: '0' },
      contexts: {
        load: () =>
          Promise.resolve({
            names: { serviceName: 'Soutien psychosocial', referringOrganizationName: 'Terre des Enfants', recipientOrganizationName: 'Aide Nord' },
            replyCode: '4821',
            lead: null,
            supervisor: null,
            focalPoints: [{ role: 'focal_point', userId: null, focalPointId: randomUUID(), email, phone, language: 'fr', actionLinks: tokens }],
          }),
      },
    });
    await service.consumer?.waitUntilConsuming();
    await service.db.client.preference.create({ data: { userId: `user-${randomUUID()}`, organizationId: randomUUID(), channels: ['email', 'sms'], language: 'fr', email } });
    const referralId = randomUUID();
    const producer = await openProducer({ url: testEnv.amqpUrl, exchange: testEnv.exchange });
    await producer.publish(
      buildEvent(
        'referral.submitted',
        {
          referralId,
          referralCode: 'REF-7K2Q9',
          caseCode: 'CASE-2027-0042',
          kind: 'referral',
          status: 'submitted',
          previousStatus: null,
          urgency: 'high',
          referringOrganizationId: randomUUID(),
          recipientOrganizationId: randomUUID(),
          recipientServiceId: randomUUID(),
          actor: null,
          occurredAt: '2027-03-01T08:30:00.000Z',
        },
        { source: '/services/referrals', subject: referralId },
      ),
    );
    await producer.close();
    const rows = () => service?.db.client.delivery.findMany({ where: { referralId }, orderBy: { channel: 'asc' } });
    await expect.poll(async () => (await rows())?.map((d) => d.status), { timeout: 15_000, interval: 50 }).toEqual(['sent', 'sent']);
    // The caught SMS is as good as on the phone: delivered in the log, e-mails only sent.
    const [mailRow, smsRow] = (await rows()) ?? [];
    expect(smsRow?.deliveredAt).toBeInstanceOf(Date);
    expect(mailRow?.deliveredAt).toBeNull();

    // Without the referrals service's phone endpoints, the page offers no reply form.
    const page = await (await fetch(service.devOutboxUrl ?? 'http://127.0.0.1:1/')).text();
    for (const token of [tokens.acknowledge, tokens.accept, tokens.decline]) {
      expect(page).toContain(`<a href="http://127.0.0.1:4300/a/${token}" target="_blank" rel="noopener noreferrer">`);
    }
    expect(page).not.toContain('<form');

    // The page's server with the SMS command handling: a reply is handed on as an SMS from the recipient's number.
    const received: DevInboundSms[] = [];
    const outbox = await startDevOutboxServer(service.db, 0, service.logger, {
      receiveSms: (msg) => {
        received.push(msg);
        return Promise.resolve({ outcome: 'done' });
      },
    });
    try {
      const origin = outbox.url.replace(/\/$/, '');
      const html = await (await fetch(outbox.url)).text();
      const caught = await service.db.client.devOutbox.findFirstOrThrow({ where: { recipient: phone } });
      expect(caught.bodyText).toContain('Répondez OK 4821');
      expect(html).toContain(`<form method="post" action="/sms/${caught.id}/reply">`);
      expect(html).toContain(`<textarea id="reply-${caught.id}" name="text"`);
      const post = (body: string, headers: Record<string, string>) =>
        fetch(`${origin}/sms/${caught.id}/reply`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });

      // Another site's form, or none naming its origin, is refused; nothing is handed on.
      expect((await post('text=OK+4821', { origin: 'http://evil.example' })).status).toBe(403);
      expect((await post('text=OK+4821', {})).status).toBe(403);
      // A page elsewhere re-pointing its own name at this address (DNS rebinding) names another host (fetch cannot set it).
      const rebound = await new Promise<number>((resolve, reject) => {
        const req = request(`${origin}/sms/${caught.id}/reply`, { method: 'POST', headers: { host: 'evil.example', origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end('text=OK+4821');
      });
      expect(rebound).toBe(421);
      expect((await post('text=', { origin })).status).toBe(400);
      expect(received).toEqual([]);

      const answered = await post('text=OK+4821', { origin });
      expect(answered.status).toBe(303);
      expect(answered.headers.get('location')).toBe(`/?replied=done#m-${caught.id}`);
      const sameOrigin = await post('text=ACCEPTE+4821', { 'sec-fetch-site': 'same-origin' });
      expect(sameOrigin.status).toBe(303);
      expect(received.map((m) => ({ ...m, receivedAt: typeof m.receivedAt }))).toEqual([
        { provider: 'dev', messageId: expect.stringMatching(/^dev-reply-/), from: phone, to: null, text: 'OK 4821', receivedAt: 'object' },
        { provider: 'dev', messageId: expect.stringMatching(/^dev-reply-/), from: phone, to: null, text: 'ACCEPTE 4821', receivedAt: 'object' },
      ]);
      expect(received[0]?.messageId).not.toBe(received[1]?.messageId);
      expect(await (await fetch(`${origin}/?replied=done`)).text()).toContain('Reply handled: done.');
      // Only SMS can be answered.
      const mail = await service.db.client.devOutbox.findFirstOrThrow({ where: { recipient: email } });
      expect((await fetch(`${origin}/sms/${mail.id}/reply`, { method: 'POST', headers: { origin, 'content-type': 'application/x-www-form-urlencoded' }, body: 'text=OK' })).status).toBe(404);
    } finally {
      await outbox.close();
    }
    await service.stop();
    service = undefined;
  });

  it('is not there in production', async () => {
    service = await start({ env: { ...testEnv.env, NODE_ENV: 'production', DEV_OUTBOX_PORT: '0', NOTIFICATIONS_SECRET_KEYS: `prod1:${randomBytes(32).toString('base64')}` } });
    expect(service.devOutboxUrl).toBeUndefined();
    expect((await fetch(`${service.url}/dev/outbox`)).status).toBe(404);
  });
});
