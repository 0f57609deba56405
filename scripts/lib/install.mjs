// Dependencies and generated code, redone only when their inputs changed so
// that `npm start` stays quick on the second run.
import { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './proc.mjs';
import { HubError, info, step, warn } from './ui.mjs';

/** @param {string} file @returns {number} modification time in ms, 0 when missing */
function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * Whether `pnpm install` is needed: no node_modules yet, or the lockfile is
 * newer than pnpm's own record of the last install.
 * @param {string} root
 */
export function installNeeded(root) {
  const marker = join(root, 'node_modules', '.modules.yaml');
  if (!existsSync(marker)) return true;
  return mtime(join(root, 'pnpm-lock.yaml')) > mtime(marker);
}

/**
 * Services whose Prisma schema exists, with where their client is generated.
 * @param {string} root
 */
function prismaServices(root) {
  const servicesDir = join(root, 'services');
  if (!existsSync(servicesDir)) return [];
  return readdirSync(servicesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => ({
      schema: join(servicesDir, entry.name, 'prisma', 'schema.prisma'),
      generated: join(servicesDir, entry.name, 'src', 'data-access', 'generated'),
    }))
    .filter((service) => existsSync(service.schema));
}

/**
 * Whether the Prisma clients must be generated again: after an install, when
 * a schema or the generator script changed since the last run, or when a
 * client is missing.
 * @param {string} root
 * @param {string} stamp file touched after each successful generation
 */
function generationNeeded(root, stamp) {
  const last = mtime(stamp);
  if (last === 0) return true;
  if (mtime(join(root, 'scripts', 'prisma-generate.mjs')) > last) return true;
  if (mtime(join(root, 'node_modules', '.modules.yaml')) > last) return true;
  return prismaServices(root).some((service) => mtime(service.schema) > last || !existsSync(service.generated));
}

/**
 * Installs dependencies when needed, then generates the Prisma clients when needed.
 * @param {string} root repository root
 * @param {import('./pnpm.mjs').Pnpm} pnpm
 */
export async function install(root, pnpm) {
  if (installNeeded(root)) {
    step(`installing dependencies (pnpm ${pnpm.version})`);
    const code = await run(pnpm.command, ['install', '--frozen-lockfile'], { cwd: root, env: pnpm.env });
    if (code !== 0) throw new HubError(`pnpm install failed (exit code ${code})`);
    // pnpm leaves the marker untouched when nothing changed; touch it so the
    // next run does not install again.
    const marker = join(root, 'node_modules', '.modules.yaml');
    if (existsSync(marker)) {
      const now = new Date();
      utimesSync(marker, now, now);
    }
  }

  const generator = join(root, 'scripts', 'prisma-generate.mjs');
  if (!existsSync(generator)) {
    warn('scripts/prisma-generate.mjs is missing; Prisma clients not generated');
    return;
  }
  const stamp = join(root, '.hub', 'prisma-generate.stamp');
  if (!generationNeeded(root, stamp)) return;
  step('generating Prisma clients');
  const code = await run(process.execPath, [generator, '--all'], { cwd: root, env: pnpm.env });
  if (code !== 0) throw new HubError(`Prisma client generation failed (exit code ${code})`);
  mkdirSync(join(root, '.hub'), { recursive: true });
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  info('Prisma clients are up to date');
}
