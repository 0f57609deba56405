import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthenticator, DEV_AUDIENCE_DEFAULT, DEV_ISSUER_DEFAULT } from '@referral-hub/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HUB_ORGANIZATION_ID } from '../../scripts/lib/services.mjs';
import { jsonOf, runHub } from './support.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hub-cli-token-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function verify(token: string, issuer = DEV_ISSUER_DEFAULT, audience = DEV_AUDIENCE_DEFAULT) {
  const jwks = JSON.parse(await readFile(join(dir, 'jwks.json'), 'utf8')) as { keys: Record<string, unknown>[] };
  return createAuthenticator({ issuer, audience, jwks }).authenticate(`Bearer ${token}`);
}

describe('hub token', () => {
  it('prints a JWT that verifies against the development key set, with the claims asked for', async () => {
    const org = '6f1c1f8e-0000-4000-8000-000000000001';
    const run = await runHub(['token', '--dir', dir, '--role', 'caseworker', '--role', 'supervisor', '--org', org, '--sub', 'amina', '--locale', 'fr']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const token = run.stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    const principal = await verify(token);
    expect(principal).toMatchObject({ userId: 'amina', organizationId: org, roles: ['caseworker', 'supervisor'], locale: 'fr' });
  });

  it('makes an operator token (a coordinator of the hub itself) by default, for the issuer and audience of the environment', async () => {
    const env = { AUTH_ISSUER: 'https://id.example.org', AUTH_AUDIENCE: 'hub-staging' };
    const run = await runHub(['token', '--dir', dir, '--json'], env);
    expect(run.code).toBe(0);
    const { token, claims } = jsonOf<{ token: string; claims: Record<string, unknown> }>(run);
    expect(claims).toMatchObject({ sub: 'hub-operator', org: HUB_ORGANIZATION_ID, roles: ['network_coordinator'], iss: env.AUTH_ISSUER, aud: env.AUTH_AUDIENCE });
    await expect(verify(token, env.AUTH_ISSUER, env.AUTH_AUDIENCE)).resolves.toMatchObject({ roles: ['network_coordinator'] });
    // The same token is refused by services expecting another issuer.
    await expect(verify(token)).rejects.toMatchObject({ status: 401 });
  });

  it('refuses an unknown role or a malformed organisation id with exit code 2, saying which', async () => {
    const [role, org] = await Promise.all([
      runHub(['token', '--dir', dir, '--role', 'superuser']),
      runHub(['token', '--dir', dir, '--org', '6f1c1f8e-0000-4000-8000-00000000000']),
    ]);
    expect(role.code).toBe(2);
    expect(role.stdout).toBe('');
    expect(role.stderr).toContain('unknown role(s): superuser');
    expect(org.code).toBe(2);
    expect(org.stderr).toContain('--org must be a UUID, an acronym or a name');
  });

  it('says, with exit code 1 and no token, when an organisation named by acronym cannot be looked up', async () => {
    const run = await runHub(['token', '--dir', dir, '--org', 'ATPE', '--directory-url', 'http://127.0.0.1:9']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('--org ATPE: the directory is not reachable');
  });
});
