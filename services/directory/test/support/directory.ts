import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createServiceTestEnv, tapEvents } from '@referral-hub/testkit';
import type { EventTap, ServiceTestEnv } from '@referral-hub/testkit';
import { start } from '../../src/start.js';
import type { RunningDirectory } from '../../src/start.js';

const migrationsDir = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));

export type Claims = { sub: string; org: string; roles: string[] };

export type Response<T = unknown> = { status: number; body: T; headers: Headers };

/** A directory running in-process on its own database and exchange, with helpers to call it. */
export type TestDirectory = {
  service: RunningDirectory;
  testEnv: ServiceTestEnv;
  tap: EventTap;
  call<T = unknown>(method: string, path: string, claims: Claims | null, body?: unknown): Promise<Response<T>>;
  stop(): Promise<void>;
};

export async function startDirectory(name: string, extraEnv: Record<string, string> = {}): Promise<TestDirectory> {
  const testEnv = await createServiceTestEnv({ name, migrationsDir, extraEnv });
  const tap = await tapEvents({ url: testEnv.amqpUrl, exchange: testEnv.exchange, bindings: ['directory.#'] });
  const service = await start({ env: testEnv.env });
  return {
    service,
    testEnv,
    tap,
    async call<T>(method: string, path: string, claims: Claims | null, body?: unknown): Promise<Response<T>> {
      const headers: Record<string, string> = {};
      if (claims !== null) headers.authorization = await testEnv.authorization(claims);
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${service.url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: (text === '' ? undefined : JSON.parse(text)) as T };
    },
    async stop() {
      await service?.stop();
      await tap?.close();
      await testEnv?.cleanup();
    },
  };
}

export const coordinator = (): Claims => ({ sub: `coord-${randomUUID()}`, org: randomUUID(), roles: ['network_coordinator'] });
export const member = (org: string, role: string): Claims => ({ sub: `${role}-${randomUUID()}`, org, roles: [role] });

export type Org = { id: string; version: number };
export type Svc = { id: string; version: number; organizationId: string };

export async function createOrg(dir: TestDirectory, name = `Org ${randomUUID().slice(0, 8)}`): Promise<Org> {
  const res = await dir.call<Org>('POST', '/v1/organizations', coordinator(), { name, type: 'ngo' });
  if (res.status !== 201) throw new Error(`createOrg: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function createArea(dir: TestDirectory, code: string, parentCode?: string): Promise<void> {
  const res = await dir.call('PUT', `/v1/areas/${code}`, coordinator(), { ...(parentCode ? { parentCode } : {}), names: { fr: code, en: code } });
  if (res.status !== 200) throw new Error(`createArea: ${res.status} ${JSON.stringify(res.body)}`);
}
