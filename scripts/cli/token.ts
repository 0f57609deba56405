/**
 * `hub token`: a development bearer token signed with the local development
 * identity (`.hub/dev-identity/`), as `npm run token` prints, with defaults
 * that make an operator's token (a network coordinator of the hub itself).
 */
// The platform's auth module alone (not the whole package): a token is printed in well under a second.
import {
  DEV_AUDIENCE_DEFAULT,
  DEV_ISSUER_DEFAULT,
  defaultDevIdentityDir,
  isRole,
  LOCALES,
  mintDevToken,
  ROLES,
} from '../../packages/platform/src/auth/index.js';
import type { Locale, MintDevTokenOptions, Role } from '../../packages/platform/src/auth/index.js';
import { isUuid } from '../../packages/platform/src/uuid.js';
import { HUB_ORGANIZATION_ID, LOCAL_HOST, SERVICES } from '../lib/services.mjs';
import type { Command, Io } from './common.js';
import { CliError, EXIT, nonEmpty, parseOptions, printJson, UsageError } from './common.js';


/** Who an operator is when they say nothing else. */
export const OPERATOR_DEFAULTS = { role: 'network_coordinator', org: HUB_ORGANIZATION_ID, sub: 'hub-operator' } as const;

const DIRECTORY_PORT = SERVICES.find((service) => service.name === 'directory')?.port ?? 4010;

const USAGE = `Usage: hub token [--role <role>]… [--org <uuid|acronym|name>] [--sub <id>] [options]

Prints a development bearer token signed with the local development identity
(the key in .hub/dev-identity/, made on first use), for the services started by
npm start. For development and demos only.

Options:
  --role <role>         a role (repeatable, or comma-separated); default ${OPERATOR_DEFAULTS.role}
                        roles: ${ROLES.join(', ')}
  --roles <list>        same as --role (the name npm run token uses)
  --org <org>           organisation (claim org): its id, or its acronym or name as the running
                        directory knows it (e.g. CCU); default the hub's own ${OPERATOR_DEFAULTS.org}
  --directory-url <url> where to look an acronym or name up; default $DIRECTORY_URL or http://${LOCAL_HOST}:${DIRECTORY_PORT}
  --sub <id>            user id (claim sub); default ${OPERATOR_DEFAULTS.sub} (alias --user)
  --name <text>         display name
  --email <address>     email
  --phone <number>      phone number (claim phone_number)
  --locale <fr|en>      preferred language
  --supervisor <id>     supervisor's user id (claim supervisor_sub)
  --issuer <url>        default $AUTH_ISSUER or ${DEV_ISSUER_DEFAULT}
  --audience <aud>      default $AUTH_AUDIENCE or ${DEV_AUDIENCE_DEFAULT}
  --expires-in <span>   e.g. 15m, 8h (default 1h)
  --dir <path>          key folder (default $DEV_IDENTITY_DIR or .hub/dev-identity at the repository root)
  --json                print { token, claims } instead of the bare token

Examples:
  TOKEN=$(npm run --silent hub -- token)                                   # an operator (network coordinator)
  TOKEN=$(npm run --silent hub -- token --role caseworker --org ATPE --sub amina)`;

/** The key folder: `--dir`, then `DEV_IDENTITY_DIR`, then the repository's `.hub/dev-identity`. */
export function identityDir(io: Io, option: string | undefined): string {
  return nonEmpty(option) ?? nonEmpty(io.env.DEV_IDENTITY_DIR) ?? defaultDevIdentityDir();
}

/** Issuer and audience the services expect: the options, then `AUTH_ISSUER`/`AUTH_AUDIENCE`, then the dev defaults. */
export function issuerAndAudience(io: Io, options: { issuer?: string | undefined; audience?: string | undefined } = {}) {
  return {
    issuer: nonEmpty(options.issuer) ?? nonEmpty(io.env.AUTH_ISSUER) ?? DEV_ISSUER_DEFAULT,
    audience: nonEmpty(options.audience) ?? nonEmpty(io.env.AUTH_AUDIENCE) ?? DEV_AUDIENCE_DEFAULT,
  };
}

type OrganizationPage = { items?: { id: string; name: string; acronym?: string }[]; nextCursor?: string | null };

/**
 * The id of the organisation whose acronym or name is `wanted` (any case), as
 * the running directory lists it, asked with an operator token.
 */
async function organizationIdByName(io: Io, wanted: string, options: { directoryUrl: string | undefined; mint: (org: string) => Promise<string> }): Promise<string> {
  const base = nonEmpty(options.directoryUrl) ?? nonEmpty(io.env.DIRECTORY_URL) ?? `http://${LOCAL_HOST}:${DIRECTORY_PORT}`;
  const token = await options.mint(OPERATOR_DEFAULTS.org);
  const key = wanted.toLocaleLowerCase('fr');
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const url = new URL('/v1/organizations', base);
    url.searchParams.set('limit', '100');
    if (cursor !== null) url.searchParams.set('cursor', cursor);
    let response: Response;
    try {
      response = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
    } catch {
      throw new CliError(`--org ${wanted}: the directory is not reachable at ${url.origin} to look it up; is the hub running (npm start)? Or give the organisation's id`);
    }
    if (!response.ok) throw new CliError(`--org ${wanted}: the directory answered ${response.status} when listing organisations`);
    const page = (await response.json()) as OrganizationPage;
    for (const organization of page.items ?? []) {
      if (organization.acronym?.toLocaleLowerCase('fr') === key || organization.name.toLocaleLowerCase('fr') === key) return organization.id;
      seen.push(organization.acronym ?? organization.name);
    }
    cursor = page.nextCursor ?? null;
  } while (cursor !== null);
  throw new CliError(`--org ${wanted}: no organisation of the directory has that acronym or name (known: ${seen.slice(0, 20).join(', ') || 'none'})`);
}

/** Decodes a JWT's payload (no verification: it is our own, just signed). */
function payloadOf(token: string): unknown {
  const part = token.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseOptions(argv, {
    role: { type: 'string', multiple: true },
    roles: { type: 'string', multiple: true },
    org: { type: 'string' },
    'directory-url': { type: 'string' },
    sub: { type: 'string' },
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
    json: { type: 'boolean' },
  });
  if (values.help === true) {
    io.out(USAGE);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0] ?? ''}`);

  const roleNames = [...(values.role ?? []), ...(values.roles ?? [])]
    .flatMap((list) => list.split(','))
    .map((role) => role.trim())
    .filter((role) => role !== '');
  const unknown = roleNames.filter((role) => !isRole(role));
  if (unknown.length > 0) throw new UsageError(`unknown role(s): ${unknown.join(', ')} (roles: ${ROLES.join(', ')})`);
  const roles: Role[] = roleNames.length > 0 ? [...new Set(roleNames.filter(isRole))] : [OPERATOR_DEFAULTS.role];

  const org = nonEmpty(values.org) ?? OPERATOR_DEFAULTS.org;
  if (!isUuid(org) && /^[0-9a-f-]{20,}$/i.test(org)) throw new UsageError('--org must be a UUID, an acronym or a name');
  if (nonEmpty(values.sub) !== undefined && nonEmpty(values.user) !== undefined) throw new UsageError('give --sub or --user, not both');
  const userId = nonEmpty(values.sub) ?? nonEmpty(values.user) ?? OPERATOR_DEFAULTS.sub;
  const locale = nonEmpty(values.locale);
  if (locale !== undefined && !(LOCALES as readonly string[]).includes(locale)) throw new UsageError(`--locale must be one of ${LOCALES.join(', ')}`);

  const signer = { dir: identityDir(io, values.dir), ...issuerAndAudience(io, { issuer: values.issuer, audience: values.audience }) };
  const organizationId = isUuid(org)
    ? org
    : await organizationIdByName(io, org, {
        directoryUrl: values['directory-url'],
        mint: (operatorOrg) => mintDevToken({ ...signer, organizationId: operatorOrg, roles: [OPERATOR_DEFAULTS.role], userId: OPERATOR_DEFAULTS.sub, expiresIn: '5m' }),
      });
  const options: MintDevTokenOptions = {
    ...signer,
    organizationId,
    roles,
    userId,
    expiresIn: nonEmpty(values['expires-in']) ?? '1h',
  };
  const name = nonEmpty(values.name);
  if (name !== undefined) options.name = name;
  const email = nonEmpty(values.email);
  if (email !== undefined) options.email = email;
  const phone = nonEmpty(values.phone);
  if (phone !== undefined) options.phoneNumber = phone;
  if (locale !== undefined) options.locale = locale as Locale;
  const supervisor = nonEmpty(values.supervisor);
  if (supervisor !== undefined) options.supervisorUserId = supervisor;

  let token: string;
  try {
    token = await mintDevToken(options);
  } catch (error) {
    // jose names a bad time span "Invalid time period format".
    if (error instanceof TypeError && /time period/i.test(error.message)) throw new UsageError(`--expires-in: ${error.message}`);
    throw error;
  }
  if (values.json === true) printJson(io, { token, claims: payloadOf(token) });
  else io.out(token);
  return EXIT.ok;
}

export const tokenCommand: Command = { usage: USAGE, run };
