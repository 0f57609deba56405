/**
 * Regenerates everything under `generated/` from the sources (openapi/*.yaml, events/*.json,
 * src/fields.ts), and the `referral.*` schemas of `events/` from src/referral-events.ts.
 * Run: `pnpm --filter @referral-hub/contracts generate`.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { GENERATED_DIR, GENERATED_PLACES, PACKAGE_ROOT, renderArtifacts } from './artifacts.js';

const artifacts = await renderArtifacts();
const generatedDir = new URL(`${GENERATED_DIR}/`, PACKAGE_ROOT);
mkdirSync(generatedDir, { recursive: true });

const expected = new Set(artifacts.map((artifact) => artifact.path));
for (const place of GENERATED_PLACES) {
  for (const name of readdirSync(new URL(`${place.dir}/`, PACKAGE_ROOT)).filter(place.holds)) {
    const path = `${place.dir}/${name}`;
    if (!expected.has(path)) {
      rmSync(new URL(path, PACKAGE_ROOT), { recursive: true });
      console.log(`removed   ${path}`);
    }
  }
}

for (const artifact of artifacts) {
  const url = new URL(artifact.path, PACKAGE_ROOT);
  let current: string | undefined;
  try {
    current = readFileSync(url, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === artifact.content) {
    console.log(`unchanged ${artifact.path}`);
  } else {
    writeFileSync(url, artifact.content);
    console.log(`${current === undefined ? 'created  ' : 'updated  '} ${artifact.path}`);
  }
}
