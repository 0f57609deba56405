/**
 * Prints a development bearer token signed with the local dev identity
 * (`.hub/dev-identity/`, created on first use): `npm run token -- …`, the same
 * as `npm run hub -- token …` (see `--help`), kept under this name for the
 * commands already written down (`--org <uuid> --roles caseworker --user <id>`).
 * For development and demos only.
 */
import { main } from './cli/index.js';
import type { Io } from './cli/common.js';

const io: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
};
process.exitCode = await main(['token', ...process.argv.slice(2)], io);
