import { randomBytes, randomUUID } from 'node:crypto';
import { buildEvent } from '@referral-hub/contracts';
import { openProducer } from '@referral-hub/testkit';
import type { ServiceTestEnv } from '@referral-hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it('is not there in production', async () => {
    service = await start({ env: { ...testEnv.env, NODE_ENV: 'production', DEV_OUTBOX_PORT: '0', NOTIFICATIONS_SECRET_KEYS: `prod1:${randomBytes(32).toString('base64')}` } });
    expect(service.devOutboxUrl).toBeUndefined();
    expect((await fetch(`${service.url}/dev/outbox`)).status).toBe(404);
  });
});
