import { cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../scripts/artifacts.js';
import { findStaleFiles } from '../scripts/staleness.js';

describe('the generated files', () => {
  const copies: string[] = [];
  afterAll(() => {
    for (const dir of copies) rmSync(dir, { recursive: true, force: true });
  });

  it('match their sources (run `pnpm --filter @referral-hub/contracts generate` if not)', async () => {
    expect(await findStaleFiles()).toEqual([]);
  });

  it('are reported by name when edited, deleted or left over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'contracts-generated-'));
    copies.push(dir);
    cpSync(new URL('generated/', PACKAGE_ROOT), join(dir, 'generated'), { recursive: true });
    writeFileSync(join(dir, 'generated', 'directory.ts'), '// edited by hand\n', { flag: 'a' });
    unlinkSync(join(dir, 'generated', 'events.ts'));
    writeFileSync(join(dir, 'generated', 'billing.openapi.json'), '{}\n');

    const stale = await findStaleFiles(pathToFileURL(`${dir}/`));
    expect(stale).toEqual(
      expect.arrayContaining([
        { path: 'generated/directory.ts', problem: 'differs' },
        { path: 'generated/events.ts', problem: 'missing' },
        { path: 'generated/billing.openapi.json', problem: 'unexpected' },
      ]),
    );
    expect(stale.map((file) => file.path)).not.toContain('generated/consent.ts');
  });

  it('include the referral event schemas, reported by name when edited, deleted or left over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'contracts-events-'));
    copies.push(dir);
    cpSync(new URL('generated/', PACKAGE_ROOT), join(dir, 'generated'), { recursive: true });
    cpSync(new URL('events/', PACKAGE_ROOT), join(dir, 'events'), { recursive: true });
    expect(await findStaleFiles(pathToFileURL(`${dir}/`))).toEqual([]);

    writeFileSync(join(dir, 'events', 'referral.declined.v1.json'), '{}\n');
    unlinkSync(join(dir, 'events', 'referral.closed.v1.json'));
    writeFileSync(join(dir, 'events', 'referral.reopened.v1.json'), '{}\n');
    // The other event schemas are sources, not generated: editing one is not staleness.
    writeFileSync(join(dir, 'events', 'consent.granted.v1.json'), '{}\n');

    expect(await findStaleFiles(pathToFileURL(`${dir}/`))).toEqual([
      { path: 'events/referral.declined.v1.json', problem: 'differs' },
      { path: 'events/referral.closed.v1.json', problem: 'missing' },
      { path: 'events/referral.reopened.v1.json', problem: 'unexpected' },
    ]);
  });
});
