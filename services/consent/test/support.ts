/**
 * What the consent service's HTTP tests share: claims of the people and clients
 * involved, case codes and dates, and a small client that checks statuses and
 * problem documents.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { ServiceTestEnv, TestClaims } from '@referral-hub/testkit';
import { expect } from 'vitest';

export const DAY_MS = 86_400_000;
export const inDays = (days: number, from = Date.now()): string => new Date(from + days * DAY_MS).toISOString();
export const newCaseCode = (): string => `CASE-${randomBytes(5).toString('hex').toUpperCase()}`;
export const as = (role: TestClaims['roles'][number], org: string, sub = `${role}-${randomUUID()}`): TestClaims => ({ sub, org, roles: [role] });
/** The referrals service's machine client (listed in DECISION_CLIENT_SUBJECTS by default). */
export const SYSTEM: TestClaims = { sub: 'referrals-service', org: randomUUID(), roles: ['system'] };
export const COORDINATOR: TestClaims = { sub: 'coordinator', org: randomUUID(), roles: ['network_coordinator'] };

export type ConsentApiClient = {
  api(method: string, path: string, claims: TestClaims | null, body?: unknown, extraHeaders?: Record<string, string>): Promise<Response>;
  json<T>(response: Response, status: number): Promise<T>;
  problem(response: Response, status: number): Promise<{ detail?: string; fields: string[] }>;
};

/** `target()` is read at each call, so the client can be made before `beforeAll` starts the service. */
export function consentApiClient(target: () => { url: string; testEnv: ServiceTestEnv }): ConsentApiClient {
  const json = async <T>(response: Response, status: number): Promise<T> => {
    const body = (await response.json()) as T;
    expect(response.status, JSON.stringify(body)).toBe(status);
    return body;
  };
  return {
    async api(method, path, claims, body, extraHeaders = {}) {
      const { url, testEnv } = target();
      // Problems are read in English here (French is the default; the platform's problems.test.ts covers it).
      const headers: Record<string, string> = { 'accept-language': 'en', ...extraHeaders };
      if (claims !== null) headers.authorization = await testEnv.authorization(claims);
      if (body !== undefined) headers['content-type'] = 'application/json';
      return fetch(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    },
    json,
    async problem(response, status) {
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const body = await json<{ detail?: string; errors?: { field: string }[] }>(response, status);
      return { ...(body.detail === undefined ? {} : { detail: body.detail }), fields: (body.errors ?? []).map((e) => e.field) };
    },
  };
}
