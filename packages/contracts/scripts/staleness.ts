import { readFileSync, readdirSync } from 'node:fs';
import { GENERATED_PLACES, PACKAGE_ROOT, renderArtifacts } from './artifacts.js';

/** A generated file that does not match its sources. */
export type StaleFile = { path: string; problem: 'differs' | 'missing' | 'unexpected' };

/**
 * Regenerates in memory and lists every committed generated file that differs from the result.
 * `root` is the folder holding the `generated/` and `events/` folders to check (the package itself
 * by default).
 */
export async function findStaleFiles(root: URL = PACKAGE_ROOT): Promise<StaleFile[]> {
  const artifacts = await renderArtifacts();
  const stale: StaleFile[] = [];
  for (const artifact of artifacts) {
    let current: string;
    try {
      current = readFileSync(new URL(artifact.path, root), 'utf8');
    } catch {
      stale.push({ path: artifact.path, problem: 'missing' });
      continue;
    }
    if (current !== artifact.content) stale.push({ path: artifact.path, problem: 'differs' });
  }
  const expected = new Set(artifacts.map((artifact) => artifact.path));
  for (const place of GENERATED_PLACES) {
    let present: string[] = [];
    try {
      present = readdirSync(new URL(`${place.dir}/`, root));
    } catch {
      present = [];
    }
    for (const name of present.filter(place.holds)) {
      const path = `${place.dir}/${name}`;
      if (!expected.has(path)) stale.push({ path, problem: 'unexpected' });
    }
  }
  return stale;
}
