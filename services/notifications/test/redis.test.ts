import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createServiceTestEnv, startTcpProxy } from '@referral-hub/testkit';
import { Redis } from 'ioredis';
import type { ServiceTestEnv, TcpProxy } from '@referral-hub/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { start } from '../src/start.js';
import type { RunningNotifications } from '../src/start.js';

const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url));
const redisUrl = new URL(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');

const queuePrefix = `test-${randomUUID()}`;
let testEnv: ServiceTestEnv;
let proxy: TcpProxy;
let service: RunningNotifications | undefined;

beforeAll(async () => {
  // Redis reached through a proxy, so this file can make it unreachable without touching the shared server.
  proxy = await startTcpProxy({ targetHost: redisUrl.hostname, targetPort: Number(redisUrl.port || 6379) });
  testEnv = await createServiceTestEnv({
    name: 'notifications-redis',
    migrationsDir,
    extraEnv: { REDIS_URL: proxy.url(redisUrl.toString()), NOTIFICATIONS_QUEUE_PREFIX: queuePrefix },
  });
});

afterEach(async () => {
  proxy.restore();
  await service?.stop();
  service = undefined;
});

afterAll(async () => {
  // The keys this file's services left under its own queue prefix.
  const redis = new Redis(redisUrl.toString());
  const keys = await redis.keys(`${queuePrefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  await proxy?.close();
  await testEnv?.cleanup();
});

async function readiness(): Promise<{ status: number; redis: string | undefined }> {
  const response = await fetch(`${service?.url ?? ''}/readyz`);
  const report = (await response.json()) as { checks: Record<string, { status: string }> };
  return { status: response.status, redis: report.checks.redis?.status };
}

describe('the Redis dependency', () => {
  it('when Redis cannot be reached at start, the service does not start', async () => {
    proxy.cut();
    await expect(start({ env: testEnv.env })).rejects.toThrow();
  });

  it('when Redis is lost, the service reports itself unready, and ready again once Redis is back', async () => {
    service = await start({ env: testEnv.env });
    expect(await readiness()).toEqual({ status: 200, redis: 'ok' });

    proxy.cut();
    await expect.poll(readiness, { timeout: 10_000, interval: 100 }).toEqual({ status: 503, redis: 'failed' });
    // Liveness does not depend on Redis: restarting the process would not bring Redis back.
    expect((await fetch(`${service.url}/livez`)).status).toBe(200);

    proxy.restore();
    await expect.poll(readiness, { timeout: 15_000, interval: 200 }).toEqual({ status: 200, redis: 'ok' });
  });

  it('on stop, the Redis connection is closed', async () => {
    // The previous test's service ends its connections as it stops; on a loaded machine the
    // last sockets may still be closing, and they are not this service's.
    await expect.poll(() => proxy.connectionCount(), { timeout: 10_000 }).toBe(0);
    service = await start({ env: testEnv.env });
    expect(service.redis.client.status).toBe('ready');
    await service.stop();
    expect(service.redis.client.status).toBe('end');
    await expect.poll(() => proxy.connectionCount(), { timeout: 10_000 }).toBe(0);
  });

  it('on stop, no connection is left behind even when Redis was lost a moment before and its connections were coming back', async () => {
    await expect.poll(() => proxy.connectionCount(), { timeout: 10_000 }).toBe(0);
    service = await start({ env: testEnv.env });
    proxy.cut();
    await expect.poll(readiness, { timeout: 10_000, interval: 100 }).toEqual({ status: 503, redis: 'failed' });
    proxy.restore();
    await service.stop();
    // A connection still coming back when the service stopped would be here for good.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(proxy.connectionCount()).toBe(0);
  });
});
