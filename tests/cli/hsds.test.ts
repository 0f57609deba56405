import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEV_AUDIENCE_DEFAULT, DEV_ISSUER_DEFAULT, ensureDevIdentity, mintDevToken } from '@referral-hub/platform';
import { createServiceTestEnv } from '@referral-hub/testkit';
import type { ServiceTestEnv } from '@referral-hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start } from '../../services/directory/src/start.js';
import type { RunningDirectory } from '../../services/directory/src/start.js';
import { jsonOf, runHub } from './support.js';

// The directory's own copies of the Open Referral HSDS 3.0 examples (with their licence and source).
const examples = fileURLToPath(new URL('../../services/directory/test/fixtures/hsds/', import.meta.url));
const migrationsDir = fileURLToPath(new URL('../../services/directory/prisma/migrations', import.meta.url));

type ImportResult = { created: number; updated: number; unchanged: number; rejected: { entity: string; id: string | null; reason: string }[] };

let identityDir: string;
let work: string;
let testEnv: ServiceTestEnv;
let directory: RunningDirectory;
let env: Record<string, string>;

beforeAll(async () => {
  identityDir = await mkdtemp(join(tmpdir(), 'hub-cli-identity-'));
  work = await mkdtemp(join(tmpdir(), 'hub-cli-hsds-'));
  // The directory trusts the development identity of a scratch folder, so the CLI's own minted token is the one tested.
  const identity = await ensureDevIdentity(identityDir);
  testEnv = await createServiceTestEnv({
    name: 'cli-hsds',
    migrationsDir,
    extraEnv: { AUTH_ISSUER: DEV_ISSUER_DEFAULT, AUTH_AUDIENCE: DEV_AUDIENCE_DEFAULT, AUTH_JWKS_FILE: identity.jwksFile },
  });
  directory = await start({ env: testEnv.env });
  env = { DIRECTORY_URL: directory.url, DEV_IDENTITY_DIR: identityDir };

  const example = async (name: string): Promise<unknown> => JSON.parse(await readFile(join(examples, name), 'utf8'));
  const dataset = {
    organizations: [await example('organization_full.json')],
    services: [await example('service_full.json')],
    taxonomy_terms: [await example('taxonomy_term.json')],
  };
  await writeFile(join(work, 'dataset.json'), JSON.stringify(dataset));
});

afterAll(async () => {
  await directory?.stop();
  await testEnv?.cleanup();
  await rm(identityDir, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe('hub hsds import', () => {
  it('imports a JSON dataset with a minted coordinator token, lists the rejected records with why, and a second import changes nothing', async () => {
    const first = await runHub(['hsds', 'import', join(work, 'dataset.json')], env);
    // 3: imported, with rejections (the examples put their location at latitude 100).
    expect(first.code, first.stderr).toBe(3);
    const counts = /created (\d+), updated 0, unchanged \d+, rejected (\d+)/.exec(first.stdout);
    expect(counts, first.stdout).not.toBeNull();
    expect(Number(counts?.[1])).toBeGreaterThanOrEqual(3);
    expect(first.stdout).toContain('rejected location 3a19ff88-4620-4d17-9830-ac1d859eb5d5: latitude must be between -90 and 90');
    const organization = await directory.db.client.organization.findUnique({ where: { hsdsId: 'd9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610' } });
    expect(organization?.name).toBe('Example Organization Inc.');

    const second = await runHub(['hsds', 'import', join(work, 'dataset.json'), '--json'], env);
    const result = jsonOf<ImportResult>(second);
    expect(result).toMatchObject({ created: 0, updated: 0 });
    expect(result.unchanged).toBeGreaterThanOrEqual(3);
  });

  it('imports the tabular package from a folder of CSV files, idempotently', async () => {
    const first = jsonOf<ImportResult>(await runHub(['hsds', 'import', join(examples, 'csv'), '--json'], env));
    // The package's one service has no type (its attribute links elsewhere): rejected, naming why.
    expect(first.rejected).toContainEqual(expect.objectContaining({ entity: 'service', id: 'ac148810-d857-441c-9679-408f346de14b' }));
    const again = jsonOf<ImportResult>(await runHub(['hsds', 'import', join(examples, 'csv'), '--json'], env));
    expect(again).toMatchObject({ created: 0, updated: 0 });
  });

  it('says why the directory refused: a token without the coordinator role gets exit code 1 and the problem', async () => {
    const token = await mintDevToken({ dir: identityDir, organizationId: '6f1c1f8e-0000-4000-8000-000000000001', roles: ['caseworker'], userId: 'amina' });
    const run = await runHub(['hsds', 'import', join(work, 'dataset.json'), '--token', token], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the directory refused the import');
    expect(run.stderr).toContain('403');
    expect(run.stderr).toContain('network_coordinator');
  });

  it('mints a token for an organisation named by its name or acronym, as the directory lists it', async () => {
    const token = await mintDevToken({ dir: identityDir, issuer: DEV_ISSUER_DEFAULT, audience: DEV_AUDIENCE_DEFAULT, organizationId: '00000000-0000-4000-8000-00000000a0b1', roles: ['network_coordinator'], userId: 'op', expiresIn: '5m' });
    const listed = (await (await fetch(`${directory.url}/v1/organizations?limit=100`, { headers: { authorization: `Bearer ${token}` } })).json()) as { items: { id: string; name: string }[] };
    const example = listed.items.find((o) => o.name === 'Example Organization Inc.');
    expect(example).toBeDefined();
    const run = await runHub(['token', '--org', 'example organization inc.', '--role', 'caseworker', '--sub', 'amina', '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(jsonOf<{ claims: { org: string; roles: string[] } }>(run).claims).toMatchObject({ org: example?.id, roles: ['caseworker'] });
    const unknown = await runHub(['token', '--org', 'No Such Agency'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no organisation of the directory has that acronym or name');
  });

  it('refuses what is not a dataset before calling anyone (exit code 2), and says when the directory is not there (exit code 1)', async () => {
    await writeFile(join(work, 'list.json'), '[1, 2]');
    const [notDataset, missing, down] = await Promise.all([
      runHub(['hsds', 'import', join(work, 'list.json')], env),
      runHub(['hsds', 'import', join(work, 'nothing.json')], env),
      runHub(['hsds', 'import', join(work, 'dataset.json'), '--directory-url', 'http://127.0.0.1:9'], env),
    ]);
    expect(notDataset.code).toBe(2);
    expect(notDataset.stderr).toContain('not an array');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file or folder');
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('the directory is not reachable at http://127.0.0.1:9');
  });
});
