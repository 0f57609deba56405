import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RUNTIME_GLIBC_TUNABLES, RUNTIME_NODE_ARGS, RUNTIME_PACKAGES, buildStale, compiledEntry, runtimeEnv } from '../../scripts/lib/build.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const runnable = RUNTIME_PACKAGES.filter((dir) => dir.startsWith('services/') || dir.startsWith('apps/'));

describe('what `npm start` runs', () => {
  it('gives every service and the console the memory settings of the production image', () => {
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    expect(runtime).toContain(`GLIBC_TUNABLES="${RUNTIME_GLIBC_TUNABLES}"`);
    expect(runtimeEnv({})).toEqual({ GLIBC_TUNABLES: RUNTIME_GLIBC_TUNABLES });
    // An operator's own tunables replace the hub's.
    expect(runtimeEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=8' })).toEqual({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=8' });
  });

  it('starts them with the options of the production image (the platform preload that starts tracing when configured)', () => {
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    expect(runtime).toContain(`CMD ${JSON.stringify(['node', ...RUNTIME_NODE_ARGS, 'dist/start.js']).replaceAll(',', ', ')}`);
    expect(RUNTIME_NODE_ARGS).toContain('@referral-hub/platform/register');
  });

  it("is each package's own start script too: compile what changed, then node dist/start.js", () => {
    for (const dir of runnable) {
      const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
      expect(manifest.scripts.start, dir).toBe(`node ../../scripts/hub.mjs build --quiet ${dir} && node dist/start.js`);
    }
  });

  it(
    'is compiled JavaScript that loads with Node’s default conditions (no TypeScript sources), and a second build compiles nothing',
    async () => {
      await buildStale(root, { quiet: true });
      const again = await buildStale(root, { quiet: true });
      expect(again.rebuilt).toEqual([]);
      for (const dir of runnable) {
        // The console's start.js listens at once; its app module is what start.js runs.
        const entry = dir === 'apps/console' ? join(root, dir, 'dist', 'app.js') : compiledEntry(root, dir);
        const script = `const m = await import(${JSON.stringify(pathToFileURL(entry).href)}); process.stdout.write(Object.keys(m).sort().join(','));`;
        const exported = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: join(root, dir), encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
        expect(exported.length, dir).toBeGreaterThan(0);
      }
      // Workspace libraries resolve to their dist/ without the source condition.
      const resolved = execFileSync(process.execPath, ['--input-type=module', '-e', "process.stdout.write(import.meta.resolve('@referral-hub/platform'))"], {
        cwd: join(root, 'services', 'consent'),
        encoding: 'utf8',
      });
      expect(resolved).toMatch(/packages\/platform\/dist\/index\.js$/);
    },
    240_000,
  );
});
