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
