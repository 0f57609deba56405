/**
 * `hub hsds import`: sends an Open Referral HSDS 3.0 dataset to the
 * directory's import API (`POST /v1/hsds/import`) as a network coordinator,
 * and prints what was created, updated, unchanged and rejected (with why).
 *
 * The directory does the work (validation against the HSDS schemas, matching
 * on HSDS ids, one transaction per record); this command only reads files
 * and carries the token.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { DirectoryApi } from '@referral-hub/contracts';
import { mintDevToken } from '../../packages/platform/src/auth/index.js';
import { LOCAL_HOST, SERVICES } from '../lib/services.mjs';
import type { Command, Io } from './common.js';
import { CliError, EXIT, messageOf, nonEmpty, parseOptions, printJson, UsageError } from './common.js';
import { identityDir, issuerAndAudience, OPERATOR_DEFAULTS } from './token.js';

type ImportResult = DirectoryApi.components['schemas']['HsdsImportResult'];

const DIRECTORY_PORT = SERVICES.find((s) => s.name === 'directory')?.port ?? 4010;

const USAGE = `Usage: hub hsds import <file.json | folder | file.csv> [options]

Imports an Open Referral HSDS 3.0 dataset into the directory:
  file.json   a JSON dataset: { "organizations": [...], "services": [...],
              "locations": [...], "service_at_locations": [...],
              "taxonomies": [...], "taxonomy_terms": [...] } (HSDS API nesting),
              or the tabular package as JSON ({ "services.csv": [...], ... })
  folder      the tabular package: every *.csv file in it (services.csv,
              organizations.csv, locations.csv, ...), sent as multipart
  file.csv    one table of the tabular package

Records are matched on their HSDS id, so importing again updates (or leaves
unchanged) rather than duplicating. Each rejected record is listed with why;
it never blocks the others.

Options:
  --language <fr|en>      language of the dataset's names and descriptions (default en)
  --directory-url <url>   default $DIRECTORY_URL or http://${LOCAL_HOST}:${DIRECTORY_PORT}
  --token <jwt>           a network coordinator's token (or $HUB_TOKEN); without one, a
                          development token is minted with the local development identity
  --identity-dir <path>   key folder for that token (default $DEV_IDENTITY_DIR or .hub/dev-identity)
  --json                  print the directory's answer as JSON

Exit codes: 0 imported, 3 imported but some records rejected, 1 the directory
refused or could not be reached, 2 bad command line or unreadable input.`;

type Body = { kind: 'json'; json: unknown; description: string } | { kind: 'csv'; files: { name: string; content: Buffer }[]; description: string };

async function readInput(path: string): Promise<Body> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new UsageError(`${path}: no such file or folder`);
  }
  if (info.isDirectory()) {
    const names = (await readdir(path)).filter((name) => name.toLowerCase().endsWith('.csv')).sort();
    if (names.length === 0) throw new UsageError(`${path}: no .csv file in this folder (expected the HSDS tabular package)`);
    const files = await Promise.all(names.map(async (name) => ({ name, content: await readFile(join(path, name)) })));
    return { kind: 'csv', files, description: `${names.length} CSV file(s) from ${path}` };
  }
  const extension = extname(path).toLowerCase();
  if (extension === '.csv') {
    return { kind: 'csv', files: [{ name: basename(path), content: await readFile(path) }], description: path };
  }
  if (extension !== '.json') throw new UsageError(`${path}: give a .json dataset, a .csv table or a folder of .csv tables`);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`${path}: not valid JSON (${messageOf(error)})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new UsageError(`${path}: an HSDS dataset is a JSON object of tables (organizations, services, ...), not ${Array.isArray(json) ? 'an array' : typeof json}`);
  }
  return { kind: 'json', json, description: path };
}

function requestOf(body: Body, token: string): RequestInit {
  const headers = { authorization: `Bearer ${token}`, accept: 'application/json, application/problem+json' };
  if (body.kind === 'json') {
    return { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body.json) };
  }
  const form = new FormData();
  for (const file of body.files) form.append(file.name, new Blob([file.content], { type: 'text/csv' }), file.name);
  return { method: 'POST', headers, body: form };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One readable paragraph from a problem+json answer (title, detail, each bad field). */
function describeProblem(status: number, body: unknown): string {
  if (!isObject(body)) return `HTTP ${status}`;
  const lines = [`${status} ${typeof body.title === 'string' ? body.title : ''}${typeof body.detail === 'string' ? `: ${body.detail}` : ''}`.trim()];
  if (Array.isArray(body.errors)) {
    for (const e of body.errors) if (isObject(e)) lines.push(`  ${String(e.field)}: ${String(e.message)}`);
  }
  if (typeof body.instance === 'string') lines.push(`  (request id ${body.instance})`);
  return lines.join('\n');
}

async function coordinatorToken(io: Io, option: string | undefined, identityDirOption: string | undefined): Promise<string> {
  const given = nonEmpty(option) ?? nonEmpty(io.env.HUB_TOKEN);
  if (given !== undefined) return given;
  return mintDevToken({
    dir: identityDir(io, identityDirOption),
    ...issuerAndAudience(io),
    organizationId: OPERATOR_DEFAULTS.org,
    roles: ['network_coordinator'],
    userId: OPERATOR_DEFAULTS.sub,
    expiresIn: '15m',
  });
}

async function importDataset(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseOptions(argv, {
    language: { type: 'string' },
    'directory-url': { type: 'string' },
    token: { type: 'string' },
    'identity-dir': { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help === true) {
    io.out(USAGE);
    return EXIT.ok;
  }
  const [path, ...extra] = positionals;
  if (path === undefined) throw new UsageError('give the dataset to import: a .json file, a folder of .csv files or a .csv file');
  if (extra.length > 0) throw new UsageError(`one dataset at a time (got also ${extra.join(' ')})`);
  const language = nonEmpty(values.language);
  if (language !== undefined && language !== 'fr' && language !== 'en') throw new UsageError('--language must be fr or en');
  const base = nonEmpty(values['directory-url']) ?? nonEmpty(io.env.DIRECTORY_URL) ?? `http://${LOCAL_HOST}:${DIRECTORY_PORT}`;
  let url: URL;
  try {
    url = new URL('/v1/hsds/import', base);
  } catch {
    throw new UsageError(`--directory-url: not a URL: ${base}`);
  }
  if (language !== undefined) url.searchParams.set('language', language);

  const body = await readInput(path);
  const token = await coordinatorToken(io, values.token, values['identity-dir']);

  let response: Response;
  try {
    response = await fetch(url, requestOf(body, token));
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : messageOf(error);
    throw new CliError(`the directory is not reachable at ${url.origin} (${cause}); is the hub running (npm start), or set --directory-url`);
  }
  const text = await response.text();
  let answer: unknown;
  try {
    answer = text === '' ? undefined : JSON.parse(text);
  } catch {
    answer = undefined;
  }
  if (response.status !== 200 || !isObject(answer) || typeof answer.created !== 'number') {
    if (values.json === true && isObject(answer)) printJson(io, answer);
    let hint = '';
    if (response.status === 401) hint = '\n  (the token was refused: does the directory trust this issuer? see AUTH_ISSUER / AUTH_JWKS_*)';
    if (response.status === 403) hint = '\n  (importing needs the network_coordinator role)';
    throw new CliError(`the directory refused the import of ${body.description}: ${describeProblem(response.status, answer)}${hint}`);
  }
  const result = answer as ImportResult;
  if (values.json === true) {
    printJson(io, result);
  } else {
    io.out(`imported ${body.description}`);
    io.out(`created ${result.created}, updated ${result.updated}, unchanged ${result.unchanged}, rejected ${result.rejected.length}`);
    // A record nested in several others (a location in its organisation and its service) is rejected once per
    // appearance; one line each, with the count, is easier to read.
    const lines = new Map<string, number>();
    for (const r of result.rejected) {
      const line = `rejected ${r.entity} ${r.id ?? '(no id)'}: ${r.reason}`;
      lines.set(line, (lines.get(line) ?? 0) + 1);
    }
    for (const [line, count] of lines) io.out(`  ${line}${count > 1 ? ` (×${count})` : ''}`);
  }
  return result.rejected.length > 0 ? EXIT.rejected : EXIT.ok;
}

async function run(argv: string[], io: Io): Promise<number> {
  const [action, ...rest] = argv;
  if (action === '--help' || action === '-h' || action === 'help') {
    io.out(USAGE);
    return EXIT.ok;
  }
  if (action === undefined) throw new UsageError('say what to do: hsds import <dataset>');
  if (action !== 'import') throw new UsageError(`unknown hsds action ${action}: the one action is import`);
  return importDataset(rest, io);
}

export const hsdsCommand: Command = { usage: USAGE, run };
