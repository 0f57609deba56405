/**
 * `hub audit verify`: runs `scripts/audit-verify.ts`, which recomputes the
 * audit hash chains and exits 1 when one is broken. It runs as its own
 * process (same Node flags as every script) with the arguments as given, so
 * its options, output and exit code reach the operator unchanged whatever
 * the verifier learns to do later.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command, Io } from './common.js';
import { CliError, EXIT, UsageError } from './common.js';

/** The verifier script, beside the other operator scripts. */
export const AUDIT_VERIFY_SCRIPT = fileURLToPath(new URL('../audit-verify.ts', import.meta.url));

const USAGE = `Usage: hub audit verify [--service <name>]… [--json]

Recomputes the hash chain of every audit table (directory, consent, referrals;
ADR 10) and reports, per table, its rows and whether the chain is intact, or
where it first breaks, with each chain's head (last position and hash): keep
the heads elsewhere, so that a later run can show rows removed from the end.

Options (passed to scripts/audit-verify.ts unchanged):
  --service <name>   a service with audit tables (repeatable; default: all)
  --json             machine-readable output

Exit code 0 when every chain is intact with its triggers on; 1 when a chain is
broken, its triggers are disabled, or a database cannot be read; 2 for a wrong
command line. Databases: <SERVICE>_DATABASE_URL, else HUB_POSTGRES_URL.`;

function runVerifier(args: string[], io: Io): Promise<number> {
  if (!existsSync(AUDIT_VERIFY_SCRIPT)) {
    throw new CliError('scripts/audit-verify.ts is missing from this checkout: nothing to run');
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@referral-hub/source', '--import', 'tsx', AUDIT_VERIFY_SCRIPT, ...args], {
      stdio: 'inherit',
      env: { ...process.env, ...io.env },
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal === null ? EXIT.failed : 128 + 15)));
  });
}

async function run(argv: string[], io: Io): Promise<number> {
  const [action, ...rest] = argv;
  if (action === '--help' || action === '-h' || action === 'help') {
    io.out(USAGE);
    return EXIT.ok;
  }
  if (action !== 'verify') throw new UsageError(action === undefined ? 'say what to do: audit verify' : `unknown audit action ${action}: the one action is verify`);
  return runVerifier(rest, io);
}

export const auditCommand: Command = { usage: USAGE, run };
