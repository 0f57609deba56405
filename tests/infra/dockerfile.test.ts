import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');

/** Sources of every `COPY` that reads the build context (not `--from=` another stage). */
function contextCopySources(): string[] {
  return dockerfile
    .split('\n')
    .filter((line) => /^COPY\s/.test(line) && !line.includes('--from='))
    .flatMap((line) => {
      const words = line.replace(/^COPY\s+/, '').split(/\s+/).filter((word) => !word.startsWith('--'));
      return words.slice(0, -1);
    });
}

describe('Dockerfile', () => {
  it('copies only files that exist in the repository', () => {
    const missing = contextCopySources().filter((source) => source !== '.' && !existsSync(`${root}/${source}`));
    expect(missing).toEqual([]);
  });

  it('builds each service image from the service named by the SERVICE build argument', () => {
    expect(dockerfile).toMatch(/ARG SERVICE/);
    expect(dockerfile).toMatch(/directory\|consent\|referrals\|notifications/);
  });

  it('builds the console like a service: a SERVICE the deploy stage accepts, compiled to dist/start.js with what it reads beside it', () => {
    const accepted = /^\s*([a-z|]+)\) ;; \\$/m.exec(dockerfile)?.[1]?.split('|') ?? [];
    expect(accepted).toEqual(['directory', 'consent', 'referrals', 'notifications', 'console']);
    // Every SERVICE the deploy stage accepts is a workspace package with a build to dist/ from src/ and a start.ts.
    for (const name of accepted) {
      const dir = name === 'console' ? 'apps/console' : `services/${name}`;
      const manifest = JSON.parse(readFileSync(`${root}/${dir}/package.json`, 'utf8')) as { name: string; scripts: Record<string, string> };
      expect(manifest.name).toBe(`@referral-hub/${name}`);
      const buildConfig = /-p (\S+)/.exec(manifest.scripts.build ?? '')?.[1] ?? '';
      expect(buildConfig, `${dir} has a build script`).not.toBe('');
      const options = (JSON.parse(readFileSync(`${root}/${dir}/${buildConfig}`, 'utf8')) as { compilerOptions: { outDir?: string; rootDir?: string } }).compilerOptions;
      expect(options, dir).toMatchObject({ outDir: 'dist', rootDir: 'src' });
      expect(existsSync(`${root}/${dir}/src/start.ts`), dir).toBe(true);
    }
    // The console reads its messages and stylesheet from ../messages and ../public, relative to its code.
    expect(existsSync(`${root}/apps/console/messages/fr.json`)).toBe(true);
    expect(existsSync(`${root}/apps/console/public/console.css`)).toBe(true);
    expect(dockerfile).toMatch(/test -d \/out\/messages && test -f \/out\/public\/console\.css/);
  });

  it('runs every image as the unprivileged node user, from a folder it cannot write', () => {
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^COPY --from=deploy \/out \/app$/m);
    expect(runtime).not.toMatch(/--chown/);
  });

  it('builds on a pinned Node.js release, the one package.json asks for', () => {
    const image = /^ARG NODE_IMAGE=node:(\S+)$/m.exec(dockerfile)?.[1] ?? '';
    expect(image).toMatch(/^20\.\d+\.\d+-bookworm-slim$/);
    const engines = (JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { engines: { node: string } }).engines.node;
    const [major, minor] = image.split('.').map(Number);
    const [needMajor, needMinor] = engines.replace('>=', '').split('.').map(Number);
    expect(major).toBe(needMajor);
    expect(minor ?? 0).toBeGreaterThanOrEqual(needMinor ?? 0);
  });
});
