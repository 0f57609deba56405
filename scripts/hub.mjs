#!/usr/bin/env node
// The one entry point behind `npm start` and `npm test` (and `npm run db:migrate`).
// Plain Node built-ins only: it must run on a fresh clone before anything is
// installed, including pnpm itself.
//
//   node scripts/hub.mjs start      install, compile, services, migrations, then run everything
//   node scripts/hub.mjs test       install, services, then every check and test
//   node scripts/hub.mjs migrate    databases, roles and migrations only
//   node scripts/hub.mjs services   make sure PostgreSQL, Redis and RabbitMQ answer
//   node scripts/hub.mjs install    dependencies and generated Prisma clients only
//   node scripts/hub.mjs build      compile what changed of the packages a hub runs (dist/)
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RUNTIME_NODE_ARGS, RUNTIME_PACKAGES, buildStale, compiledEntry, runtimeEnv } from './lib/build.mjs';
import { runChecks } from './lib/checks.mjs';
import { migrateAll } from './lib/db.mjs';
import { install } from './lib/install.mjs';
import { ensurePnpm } from './lib/pnpm.mjs';
import { onPath, run } from './lib/proc.mjs';
import { CONSOLE, IDENTITY, LOCAL_HOST, SERVICES, consoleBaseUrl, consoleEnv, identityBaseUrl, identityEnv, serviceEnv } from './lib/services.mjs';
import { Supervisor } from './lib/supervisor.mjs';
import { HubError, error, info, paint, step, warn } from './lib/ui.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

const USAGE = `Usage: node scripts/hub.mjs <command> [options]

Commands:
  start                  install what is missing, compile what changed, start PostgreSQL/Redis/RabbitMQ
                         if needed, apply migrations, then run the identity provider, the four services
                         and the console (compiled JavaScript, node dist/start.js, as in production)
  test [--tests-only] [vitest args…]
                         install, start the backing services, run contracts:check, typecheck,
                         lint and the whole vitest suite (--tests-only: vitest alone)
  migrate                create the per-service databases and roles, apply migrations
  services               make sure PostgreSQL, Redis and RabbitMQ answer on localhost
  install                install dependencies and generate the Prisma clients
  build [--quiet] [<package folder>…]
                         compile what changed since the last build of the packages a hub runs
                         (contracts, platform, the services, the console) to their dist/ folders;
                         given folders (e.g. services/consent), only those and what they import
  pnpm <args…>           run the pinned pnpm (installed into .hub/tools when it is not on PATH),
                         e.g. node scripts/hub.mjs pnpm --filter @referral-hub/referrals start

Environment (all optional; a .env file at the repository root is read too):
  HUB_POSTGRES_URL       admin connection (default postgresql://postgres@127.0.0.1:5432/postgres)
  <SERVICE>_DATABASE_URL a service's own database, e.g. DIRECTORY_DATABASE_URL
  HUB_SKIP_SERVICES=1    do not check or start PostgreSQL/Redis/RabbitMQ (you run them yourself)
  HUB_PRETTY=0|1         force raw or pretty log lines (default: pretty on a terminal)
  HUB_SEED_DEMO=0        do not seed the demo network on start
  LOG_LEVEL, AMQP_URL, REDIS_URL, SMTP_URL, AUTH_*   passed to the services (see infra/.env.example)`;

/** Makes sure PostgreSQL, Redis and RabbitMQ answer, starting or installing them if needed. */
async function ensureServices() {
  if (process.env.HUB_SKIP_SERVICES === '1') {
    info('HUB_SKIP_SERVICES=1: not checking PostgreSQL, Redis and RabbitMQ');
    return;
  }
  if (!onPath('bash')) {
    throw new HubError(
      'bash is needed to check the backing services; start PostgreSQL, Redis and RabbitMQ yourself and set HUB_SKIP_SERVICES=1',
    );
  }
  step('checking PostgreSQL, Redis and RabbitMQ');
  const code = await run('bash', [join(root, 'infra', 'scripts', 'ensure-services.sh')], { cwd: root });
  if (code !== 0) throw new HubError('the backing services are not available (see above)', code);
}

/**
 * The packages to compile for the given service or console folders: the
 * libraries they import (contracts, platform), then themselves.
 * @param {string[]} dirs folders relative to the root, e.g. "services/consent"
 * @returns {string[]}
 */
function packagesFor(dirs) {
  const wanted = dirs.map((dir) => dir.replace(/\\/g, '/').replace(/\/+$/, ''));
  const unknown = wanted.filter((dir) => !RUNTIME_PACKAGES.includes(dir));
  if (unknown.length > 0) throw new HubError(`not a package a hub runs: ${unknown.join(', ')} (one of ${RUNTIME_PACKAGES.join(', ')})`, 2);
  return RUNTIME_PACKAGES.filter((dir) => dir.startsWith('packages/') || wanted.includes(dir));
}

/** Where the console's browser tests find Chromium (Debian's package). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Makes sure Chromium is there for the console's browser tests, installing
 * Debian's package as root when it is missing (as ensure-services.sh does for
 * PostgreSQL); quiet when it is already there.
 */
async function ensureChromium() {
  if (existsSync(CHROMIUM) || process.env.HUB_SKIP_CHROMIUM === '1') return;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (process.platform !== 'linux' || !root || !onPath('apt-get')) {
    warn(`Chromium is not at ${CHROMIUM}: the console's browser tests will fail. Install it (Debian: apt-get install chromium) or set CHROMIUM_PATH`);
    return;
  }
  step('installing Chromium for the browser tests (apt-get install chromium)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const args = ['install', '-y', '-qq', '--no-install-recommends', 'chromium', 'fonts-dejavu-core'];
  let code = await run('apt-get', args, { env });
  if (code !== 0) {
    await run('apt-get', ['update', '-qq'], { env });
    code = await run('apt-get', args, { env });
  }
  if (code !== 0) throw new HubError('Chromium could not be installed (see above); the console\'s browser tests need it', code);
}

/**
 * Resolves true when something already listens on the port.
 * @param {number} port
 * @returns {Promise<boolean>}
 */
function portInUse(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: LOCAL_HOST, port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** @param {import('./lib/supervisor.mjs').ProcessSpec[]} specs */
async function assertPortsFree(specs) {
  for (const spec of specs) {
    const port = Number(new URL(spec.readyUrl).port);
    if (await portInUse(port)) {
      throw new HubError(
        `port ${port} (${spec.name}) is already in use. Is another \`npm start\` still running? ` +
          `Find it with: lsof -i :${port}  (or ss -ltnp 'sport = :${port}')`,
      );
    }
  }
}

/**
 * Node with the workspace's TypeScript sources, for the development tools that
 * are never deployed (the development identity provider, the demo seed).
 */
const NODE_SOURCE_ARGS = ['--conditions=@referral-hub/source', '--import', 'tsx'];

/** @param {NodeJS.ProcessEnv} baseEnv */
async function start(baseEnv) {
  /** @type {import('./lib/supervisor.mjs').ProcessSpec | undefined} */
  let identity;
  const identityEntry = join(root, 'scripts', 'dev-identity.ts');
  if (existsSync(identityEntry)) {
    identity = {
      name: IDENTITY.name,
      colour: IDENTITY.colour,
      command: process.execPath,
      args: [...NODE_SOURCE_ARGS, identityEntry],
      cwd: root,
      env: { ...baseEnv, ...identityEnv() },
      readyUrl: `${identityBaseUrl()}/.well-known/jwks.json`,
    };
  } else {
    warn('scripts/dev-identity.ts is missing: no development tokens, every API call will be refused');
  }

  /** @type {import('./lib/supervisor.mjs').ProcessSpec[]} */
  const services = [];
  for (const service of SERVICES) {
    const dir = join(root, 'services', service.name);
    const entry = compiledEntry(root, `services/${service.name}`);
    if (!existsSync(entry)) {
      warn(`services/${service.name}/dist/start.js is missing: ${service.name} not started`);
      continue;
    }
    services.push({
      name: service.name,
      colour: service.colour,
      command: process.execPath,
      // What a production image runs: the compiled JavaScript, with Node's default conditions (and its preload).
      args: [...RUNTIME_NODE_ARGS, entry],
      cwd: dir,
      // The malloc settings of the production image (lib/build.mjs).
      env: { ...baseEnv, ...serviceEnv(service), ...runtimeEnv(baseEnv) },
      readyUrl: `http://${LOCAL_HOST}:${service.port}/readyz`,
    });
  }
  if (services.length === 0) throw new HubError('no service has a dist/start.js: nothing to start');

  /** @type {import('./lib/supervisor.mjs').ProcessSpec | undefined} */
  let consoleApp;
  const consoleDir = join(root, 'apps', 'console');
  if (identity && existsSync(compiledEntry(root, 'apps/console'))) {
    consoleApp = {
      name: CONSOLE.name,
      colour: CONSOLE.colour,
      command: process.execPath,
      // It reads messages/ and public/ beside dist/, from its own folder.
      args: [...RUNTIME_NODE_ARGS, compiledEntry(root, 'apps/console')],
      cwd: consoleDir,
      env: { ...baseEnv, ...consoleEnv(), ...runtimeEnv(baseEnv) },
      readyUrl: `http://${LOCAL_HOST}:${CONSOLE.port}/livez`,
    };
  }

  const all = [...(identity ? [identity] : []), ...services, ...(consoleApp ? [consoleApp] : [])];
  await assertPortsFree(all);

  const pretty = process.env.HUB_PRETTY !== undefined ? process.env.HUB_PRETTY === '1' : Boolean(process.stdout.isTTY);
  const supervisor = new Supervisor({ pretty, labelWidth: Math.max(...all.map((spec) => spec.name.length)) });

  let signals = 0;
  /** @param {NodeJS.Signals} signal */
  const onSignal = (signal) => {
    signals += 1;
    if (signals === 1) console.log(`\n${paint('yellow', `${signal}: stopping everything (again to kill at once)…`)}`);
    void supervisor.stop(0);
  };
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) process.on(signal, onSignal);

  step('starting');
  if (identity) {
    supervisor.start(identity);
    // Services fetch the JWKS on their first request; starting the issuer
    // first keeps those first requests from failing.
    if (!(await supervisor.waitReady(identity, 30_000)) && !supervisor.stopping) {
      supervisor.say(identity, paint('yellow', `not answering ${identity.readyUrl} after 30s`));
    }
    supervisor.nextGroup();
  }
  for (const spec of services) supervisor.start(spec);
  const ready = await Promise.all(services.map((spec) => supervisor.waitReady(spec, 120_000)));

  if (!supervisor.stopping && identity && ready.every(Boolean)) await seedDemoNetwork(baseEnv);
  let consoleReady = false;
  if (consoleApp && !supervisor.stopping) {
    supervisor.start(consoleApp);
    consoleReady = await supervisor.waitReady(consoleApp, 60_000);
  }
  if (!supervisor.stopping) printBanner(services, ready, identity !== undefined, consoleApp === undefined ? undefined : consoleReady);
  return supervisor.done;
}

/**
 * Seeds the demo network (a province's agencies, services, focal points and a
 * sharing agreement) through the services' APIs. It is idempotent: on a hub
 * that already has it, it says so and changes nothing. HUB_SEED_DEMO=0 skips it.
 * @param {NodeJS.ProcessEnv} baseEnv
 */
async function seedDemoNetwork(baseEnv) {
  if (process.env.HUB_SEED_DEMO === '0') return;
  step('demo network');
  const code = await run(process.execPath, [...NODE_SOURCE_ARGS, join(root, 'scripts', 'demo', 'seed.ts')], {
    cwd: root,
    env: { ...baseEnv, ...identityEnv() },
  });
  if (code !== 0) warn('the demo network could not be seeded (see above); the hub runs without it');
}

/**
 * @param {import('./lib/supervisor.mjs').ProcessSpec[]} services
 * @param {boolean[]} ready
 * @param {boolean} withIdentity
 * @param {boolean | undefined} consoleReady  undefined when the console was not started
 */
function printBanner(services, ready, withIdentity, consoleReady) {
  const lines = ['', paint('bold', 'The referral hub is running.'), ''];
  services.forEach((spec, index) => {
    const base = new URL(spec.readyUrl).origin;
    const state = ready[index] ? '' : paint('yellow', '  (not ready yet: see its log)');
    lines.push(`  ${paint(/** @type {Parameters<typeof paint>[0]} */ (spec.colour), spec.name.padEnd(14))} ${base}   API description: ${base}/openapi.json${state}`);
  });
  if (withIdentity) {
    lines.push(`  ${paint('yellow', 'identity'.padEnd(14))} ${identityBaseUrl()}   keys: ${identityBaseUrl()}/.well-known/jwks.json`);
  }
  if (consoleReady !== undefined) {
    const state = consoleReady ? '' : paint('yellow', '  (not ready yet: see its log)');
    lines.push(`  ${paint('brightCyan', 'console'.padEnd(14))} ${consoleBaseUrl()}   sign in as one of the demo network's people${state}`);
  }
  lines.push(
    '',
    `  Get a token:   TOKEN=$(npm run -s token -- --org <organisation id or acronym, e.g. ATPE> --roles caseworker --user <user-id>)`,
    `  Use it:        curl -H "Authorization: Bearer $TOKEN" http://${LOCAL_HOST}:4010/...`,
    `  Sent mail/SMS: http://${LOCAL_HOST}:4041/ (the development outbox, when no SMTP relay or SMS provider is set:`,
    `                 reply to an SMS there as the focal point, or open an e-mail's one-click links)`,
    `  Health:        /livez and /readyz on every service`,
    `  Stop:          Ctrl-C`,
    '',
  );
  console.log(lines.join('\n'));
}

/**
 * @param {string[]} argv arguments after the script name
 * @returns {Promise<number>} exit code
 */
async function main(argv) {
  const [command = 'help', ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return 0;
  }
  const known = ['start', 'test', 'migrate', 'services', 'install', 'pnpm', 'build'];
  if (!known.includes(command)) {
    error(`unknown command "${command}"`);
    console.log(USAGE);
    return 2;
  }

  const [nodeMajor] = process.versions.node.split('.').map(Number);
  if ((nodeMajor ?? 0) < 20) throw new HubError(`Node 20 or newer is needed (this is ${process.version})`);
  // Local settings, never committed (.gitignore); the shell's own values win.
  const envFile = join(root, '.env');
  if (existsSync(envFile)) {
    if (typeof process.loadEnvFile !== 'function') throw new HubError('reading .env needs Node 20.12 or newer');
    process.loadEnvFile(envFile);
  }

  if (command === 'services') {
    await ensureServices();
    return 0;
  }
  // Before pnpm: a package's own `start` script runs this each time, and needs nothing but TypeScript.
  if (command === 'build') {
    const only = rest.filter((arg) => !arg.startsWith('--'));
    await buildStale(root, { quiet: rest.includes('--quiet'), ...(only.length > 0 ? { packages: packagesFor(only) } : {}) });
    return 0;
  }

  const pnpm = await ensurePnpm(root);
  // The pinned pnpm for a command of the reader's own (npm run pnpm -- …, and the root package scripts).
  if (command === 'pnpm') return run(pnpm.command, rest, { cwd: process.cwd(), env: pnpm.env });
  if (pnpm.source === 'local') info(`using pnpm ${pnpm.version} from .hub/tools`);

  switch (command) {
    case 'install':
      await install(root, pnpm);
      return 0;
    case 'migrate':
      await install(root, pnpm);
      await ensureServices();
      await migrateAll(root, pnpm.env);
      return 0;
    case 'test': {
      await install(root, pnpm);
      await ensureServices();
      await ensureChromium();
      const testsOnly = rest.includes('--tests-only');
      return runChecks(root, pnpm, { testsOnly, vitestArgs: rest.filter((arg) => arg !== '--tests-only') });
    }
    case 'start':
      await install(root, pnpm);
      await buildStale(root);
      await ensureServices();
      await migrateAll(root, pnpm.env);
      return start(pnpm.env);
    default:
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof HubError) {
      error(err.message);
      process.exit(err.exitCode);
    }
    error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
