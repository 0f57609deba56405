/**
 * Prints a development bearer token signed with the local dev identity
 * (`.hub/dev-identity/`, created on first use).
 *
 *   node --conditions=@referral-hub/source --import tsx scripts/dev-token.ts \
 *     --org <uuid> --roles caseworker,supervisor --user <id> \
 *     [--name … --email … --phone … --locale fr|en --supervisor <id>] \
 *     [--audience referral-hub --issuer http://127.0.0.1:4400 --expires-in 1h --dir .hub/dev-identity]
 *
 * Issuer and audience default to AUTH_ISSUER / AUTH_AUDIENCE, then to the dev
 * identity server's defaults. For development and demos only.
 */
import { parseArgs } from 'node:util';
// A relative import: the root package does not depend on the workspace packages.
import {
  DEV_AUDIENCE_DEFAULT,
  DEV_ISSUER_DEFAULT,
  defaultDevIdentityDir,
  mintDevToken,
} from '../packages/platform/src/auth/dev-identity.js';
import { LOCALES, ROLES, isRole } from '../packages/platform/src/auth/principal.js';
import type { Locale, Role } from '../packages/platform/src/auth/principal.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const USAGE = `Usage: dev-token --org <uuid> --roles <role,role> --user <id> [options]

Options:
  --org <uuid>          organisation of the user (claim org), required
  --roles <list>        comma-separated roles, required: ${ROLES.join(', ')}
  --user <id>           user id (claim sub), required
  --name <text>         display name
  --email <address>     email
  --phone <number>      phone number (claim phone_number)
  --locale <fr|en>      preferred language
  --supervisor <id>     supervisor's user id (claim supervisor_sub)
  --issuer <url>        default $AUTH_ISSUER or ${DEV_ISSUER_DEFAULT}
  --audience <aud>      default $AUTH_AUDIENCE or ${DEV_AUDIENCE_DEFAULT}
  --expires-in <span>   e.g. 15m, 8h (default 1h)
  --dir <path>          key folder (default ${defaultDevIdentityDir()})
`;

function fail(message: string): never {
  process.stderr.write(`dev-token: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function parseOptions() {
  try {
    return parseArgs({
      options: {
        org: { type: 'string' },
        roles: { type: 'string' },
        user: { type: 'string' },
        name: { type: 'string' },
        email: { type: 'string' },
        phone: { type: 'string' },
        locale: { type: 'string' },
        supervisor: { type: 'string' },
        issuer: { type: 'string' },
        audience: { type: 'string' },
        'expires-in': { type: 'string' },
        dir: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}

async function main(): Promise<void> {
  const values = parseOptions();
  if (values.help === true) {
    process.stdout.write(USAGE);
    return;
  }

  const organizationId = nonEmpty(values.org);
  if (organizationId === undefined || !UUID.test(organizationId)) fail('--org must be a UUID');
  const userId = nonEmpty(values.user);
  if (userId === undefined) fail('--user is required');
  const roleNames = (values.roles ?? '').split(',').map((r) => r.trim()).filter((r) => r !== '');
  if (roleNames.length === 0) fail('--roles is required');
  const unknown = roleNames.filter((r) => !isRole(r));
  if (unknown.length > 0) fail(`unknown role(s): ${unknown.join(', ')}`);
  const roles = roleNames.filter(isRole) satisfies Role[];
  const localeText = nonEmpty(values.locale);
  if (localeText !== undefined && !(LOCALES as readonly string[]).includes(localeText)) {
    fail(`--locale must be one of ${LOCALES.join(', ')}`);
  }

  const optional: { name?: string; email?: string; phoneNumber?: string; locale?: Locale; supervisorUserId?: string } = {};
  const name = nonEmpty(values.name);
  if (name !== undefined) optional.name = name;
  const email = nonEmpty(values.email);
  if (email !== undefined) optional.email = email;
  const phone = nonEmpty(values.phone);
  if (phone !== undefined) optional.phoneNumber = phone;
  if (localeText !== undefined) optional.locale = localeText as Locale;
  const supervisor = nonEmpty(values.supervisor);
  if (supervisor !== undefined) optional.supervisorUserId = supervisor;

  const token = await mintDevToken({
    dir: nonEmpty(values.dir) ?? defaultDevIdentityDir(),
    issuer: nonEmpty(values.issuer) ?? nonEmpty(process.env.AUTH_ISSUER) ?? DEV_ISSUER_DEFAULT,
    audience: nonEmpty(values.audience) ?? nonEmpty(process.env.AUTH_AUDIENCE) ?? DEV_AUDIENCE_DEFAULT,
    organizationId,
    roles,
    userId,
    expiresIn: nonEmpty(values['expires-in']) ?? '1h',
    ...optional,
  });
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`dev-token: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
