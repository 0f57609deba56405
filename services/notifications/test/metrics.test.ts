/**
 * Notifications' /metrics as the deliveries go: a webhook that fails twice
 * then arrives counts two failures that will be retried and one delivery
 * with its latency; a subscriber gone for good (410) counts one final
 * failure and a failed job kept in the queue. Labelled by channel only.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestClaims } from '@referral-hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referralAccepted as accepted, startNotificationsUnderTest } from './support.js';
import type { NotificationsUnderTest } from './support.js';

const poll = { timeout: 15_000, interval: 50 };

/** A subscriber's endpoint: paths with `flaky` answer 503 twice first, with `gone` 410, others 204. */
function startReceiver(): Promise<{ server: Server; url: string }> {
  const calls = new Map<string, number>();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '';
      calls.set(path, (calls.get(path) ?? 0) + 1);
      if (path.includes('gone')) return res.writeHead(410).end();
      if (path.includes('flaky') && (calls.get(path) ?? 0) <= 2) return res.writeHead(503).end();
      res.writeHead(204).end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let running: NotificationsUnderTest;

beforeAll(async () => {
  receiver = await startReceiver();
  running = await startNotificationsUnderTest('notifications-metrics', { extraEnv: { DELIVERY_ATTEMPTS: '3', DELIVERY_BACKOFF_MS: '50', WEBHOOK_ALLOW_HTTP: 'true' } });
});

afterAll(async () => {
  await running?.stop();
  await new Promise((resolve) => (receiver ? receiver.server.close(resolve) : resolve(undefined)));
});

const systemOf = (org: string): TestClaims => ({ sub: `client-${org}`, org, roles: ['system'] });

async function subscribe(org: string, path: string): Promise<void> {
  const response = await fetch(`${running.service.url}/v1/subscriptions`, {
    method: 'POST',
    headers: { authorization: await running.testEnv.authorization(systemOf(org)), 'content-type': 'application/json' },
    body: JSON.stringify({ url: `${receiver.url}${path}`, eventTypes: ['referral.accepted'] }),
  });
  expect(response.status).toBe(201);
}

/** The value of `name{labels…}` in a scrape of the service, 0 when absent. */
async function scraped(name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(running.service.metricsUrl)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([key, value]) => l.includes(`${key}="${value}"`)));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('GET /metrics of notifications', () => {
  it('counts retried and final failures by channel, the latency of what was delivered, and the failed jobs kept', async () => {
    const before = {
      retried: await scraped('hub_delivery_failures_total', { channel: 'webhook', final: 'false' }),
      final: await scraped('hub_delivery_failures_total', { channel: 'webhook', final: 'true' }),
      delivered: await scraped('hub_delivery_latency_seconds_count', { channel: 'webhook' }),
      failedJobs: await scraped('hub_delivery_jobs', { state: 'failed' }),
    };
    const flaky = randomUUID();
    const gone = randomUUID();
    await subscribe(flaky, `/flaky-${flaky}`);
    await subscribe(gone, `/gone-${gone}`);
    await running.producer.publish(accepted(flaky, randomUUID()));
    await running.producer.publish(accepted(randomUUID(), gone));

    await expect.poll(() => scraped('hub_delivery_latency_seconds_count', { channel: 'webhook' }), poll).toBe(before.delivered + 1);
    await expect.poll(() => scraped('hub_delivery_failures_total', { channel: 'webhook', final: 'true' }), poll).toBe(before.final + 1);
    expect(await scraped('hub_delivery_failures_total', { channel: 'webhook', final: 'false' })).toBe(before.retried + 2);
    expect(await scraped('hub_delivery_jobs', { state: 'failed' })).toBe(before.failedJobs + 1);
    // Two retries of 50 then 100 ms at least: the delivered one waited that long from queued to sent.
    expect(await scraped('hub_delivery_latency_seconds_sum', { channel: 'webhook' })).toBeGreaterThanOrEqual(0.15);
    const text = await (await fetch(running.service.metricsUrl)).text();
    expect(text).not.toContain(flaky);
    expect(text).not.toContain(receiver.url);
  });
});
