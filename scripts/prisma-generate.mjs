#!/usr/bin/env node
// Runs `prisma generate` for one service, or for every service with --all.
//
//   node scripts/prisma-generate.mjs                 # the service in the current folder
//   node scripts/prisma-generate.mjs services/consent
//   node scripts/prisma-generate.mjs --all
//
// Why a wrapper: Prisma 7's CLI wants its schema-engine binary even for
// `generate`, which never uses it, and downloads it from Prisma's servers when
// missing; those are out of reach here (docs: ARCHITECTURE.md, TOOLCHAIN.md).
// Pointing PRISMA_SCHEMA_ENGINE_BINARY at any executable file satisfies the
// check. A real engine given in the environment is kept.

import { spawn } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const PLACEHOLDER_SCRIPT = `#!/bin/sh
# Stand-in for Prisma's schema engine, which cannot be downloaded here.
# Only \`prisma generate\` runs with it; migrations are applied by
# packages/platform/src/db/migrate-cli.ts instead.
echo "The Prisma schema engine is not installed: apply migrations with the referral hub's runner (pnpm db:migrate)." >&2
exit 1
`;

/** Creates (or repairs) the executable placeholder and returns its path. */
function ensurePlaceholder() {
  const dir = path.join(repoRoot, 'node_modules', '.cache', 'referral-hub');
  const file = path.join(dir, 'schema-engine-placeholder');
  mkdirSync(dir, { recursive: true });
  if (!existsSync(file) || readFileSync(file, 'utf8') !== PLACEHOLDER_SCRIPT) writeFileSync(file, PLACEHOLDER_SCRIPT);
  chmodSync(file, 0o755);
  return file;
}

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The prisma CLI entry point installed for `serviceDir` (its own devDependency). */
function resolvePrismaCli(serviceDir) {
  const require = createRequire(path.join(serviceDir, 'package.json'));
  let manifestPath;
  try {
    manifestPath = require.resolve('prisma/package.json');
  } catch {
    throw new Error(`${path.relative(repoRoot, serviceDir) || serviceDir}: the "prisma" package is not installed (add it as a devDependency and run pnpm install).`);
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin?.prisma;
  if (typeof bin !== 'string') throw new Error(`Cannot find the prisma CLI in ${manifestPath}.`);
  return path.join(path.dirname(manifestPath), bin);
}

function generate(serviceDir, engine, extraArgs) {
  const schema = path.join(serviceDir, 'prisma', 'schema.prisma');
  if (!existsSync(schema)) throw new Error(`${serviceDir} has no prisma/schema.prisma.`);
  const cli = resolvePrismaCli(serviceDir);
  const label = path.relative(repoRoot, serviceDir) || serviceDir;
  process.stdout.write(`prisma generate: ${label}\n`);
  return new Promise((resolve, reject) => {
    // Run through this Node binary rather than a shell shim, so it works the same on every OS.
    const child = spawn(process.execPath, [cli, 'generate', ...extraArgs], {
      cwd: serviceDir,
      stdio: 'inherit',
      env: {
        ...process.env,
        PRISMA_SCHEMA_ENGINE_BINARY: engine,
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
        // No version check or telemetry call: there is no network to wait for.
        CHECKPOINT_DISABLE: '1',
      },
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`prisma generate failed for ${label} (${signal ?? `exit code ${code}`}).`));
    });
  });
}

function servicesWithSchema() {
  const servicesDir = path.join(repoRoot, 'services');
  if (!existsSync(servicesDir)) return [];
  return readdirSync(servicesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => path.join(servicesDir, entry.name))
    .filter((dir) => existsSync(path.join(dir, 'prisma', 'schema.prisma')))
    .sort();
}

async function main(argv) {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write('Usage: prisma-generate.mjs [service-dir | --all] [-- extra prisma generate args]\n');
    return 0;
  }
  const separator = argv.indexOf('--');
  const ownArgs = separator === -1 ? argv : argv.slice(0, separator);
  const extraArgs = separator === -1 ? [] : argv.slice(separator + 1);
  const all = ownArgs.includes('--all');
  const positional = ownArgs.filter((arg) => arg !== '--all');
  const unknown = positional.filter((arg) => arg.startsWith('-'));
  if (unknown.length > 0 || positional.length > 1 || (all && positional.length > 0)) {
    process.stderr.write(`Unexpected arguments: ${ownArgs.join(' ')}\nUsage: prisma-generate.mjs [service-dir | --all]\n`);
    return 2;
  }

  const given = process.env.PRISMA_SCHEMA_ENGINE_BINARY;
  const engine = given !== undefined && given !== '' && isExecutable(given) ? given : ensurePlaceholder();
  const dirs = all ? servicesWithSchema() : [path.resolve(positional[0] ?? process.cwd())];
  if (dirs.length === 0) {
    process.stderr.write('No service with a prisma/schema.prisma was found.\n');
    return 1;
  }
  for (const dir of dirs) await generate(dir, engine, extraArgs);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
