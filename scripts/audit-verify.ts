/**
 * Verifies the audit hash chains of every service (ADR 10).
 *
 *   node --conditions=@referral-hub/source --import tsx scripts/audit-verify.ts [--service <name>]… [--json]
 *
 * For each service with audit tables, connects to its database (the URL
 * scripts/lib/services.mjs gives: `<NAME>_DATABASE_URL`, else HUB_POSTGRES_URL
 * pointed at the service's database), recomputes every chain with
 * `verifyAuditChain` and prints one line per table. Each chain's head (last
 * position and hash) is printed too: keep it somewhere else, and a later run
 * whose head went back or changed shows rows removed from the end, which the
 * chain alone cannot.
 *
 * Exit code 0 when every chain is intact with its triggers on; 1 when a chain
 * is broken, a table's triggers are disabled, or a database cannot be read;
 * 2 for a wrong command line.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createPool, verifyAuditChain } from '@referral-hub/platform';
import type { AuditChainReport, AuditTable } from '@referral-hub/platform';
import { AUDIT_TABLES as CONSENT_AUDIT_TABLES } from '../services/consent/src/data-access/audit-tables.js';
import { AUDIT_TABLES as DIRECTORY_AUDIT_TABLES } from '../services/directory/src/data-access/audit-tables.js';
import { AUDIT_TABLES as REFERRALS_AUDIT_TABLES } from '../services/referrals/src/data-access/audit-tables.js';
import { SERVICES, serviceDatabaseUrl } from './lib/services.mjs';

/** The services that keep audit records, and their tables. Notifications keeps none. */
const AUDITED: Readonly<Record<string, readonly AuditTable[]>> = {
  directory: DIRECTORY_AUDIT_TABLES,
  consent: CONSENT_AUDIT_TABLES,
  referrals: REFERRALS_AUDIT_TABLES,
};

const USAGE = `Usage: audit-verify [--service <name>]… [--json]

Recomputes the hash chain of every audit table and reports, per table, its rows
and whether the chain is intact, or where it first breaks.

Options:
  --service <name>   ${Object.keys(AUDITED).join(', ')} (repeatable; default: all)
  --json             machine-readable output

Exit code 0 when every chain is intact, 1 when one is broken, its triggers are
disabled, or a database cannot be read, 2 for a wrong command line.
Databases: <SERVICE>_DATABASE_URL, else HUB_POSTGRES_URL (default the local server).`;

export type ServiceAudit = { service: string; database: string } & ({ chains: AuditChainReport[] } | { error: string });

export type AuditVerifyResult = { at: string; ok: boolean; services: ServiceAudit[] };

/** The URL without its password, for output. */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

async function auditService(service: string, tables: readonly AuditTable[]): Promise<ServiceAudit> {
  const spec = SERVICES.find((s) => s.name === service);
  if (spec === undefined) throw new Error(`unknown service ${service}`);
  const url = serviceDatabaseUrl(spec);
  const database = safeUrl(url);
  const pool = createPool({ connectionString: url, max: 1, applicationName: 'hub-audit-verify', connectionTimeoutMillis: 8_000, logger: { error: () => undefined } });
  try {
    const chains: AuditChainReport[] = [];
    for (const table of tables) chains.push(await verifyAuditChain(pool, table));
    return { service, database, chains };
  } catch (error) {
    return { service, database, error: error instanceof Error ? error.message : String(error) };
  } finally {
    await pool.end().catch(() => undefined);
  }
}

/** Verifies the chains of the named services (default all) and tells whether all hold. */
export async function verifyAuditChains(services: readonly string[] = Object.keys(AUDITED)): Promise<AuditVerifyResult> {
  const results: ServiceAudit[] = [];
  for (const service of services) results.push(await auditService(service, AUDITED[service] ?? []));
  const ok = results.every((r) => 'chains' in r && r.chains.every((c) => c.ok && c.triggersEnabled));
  return { at: new Date().toISOString(), ok, services: results };
}

function status(chain: AuditChainReport): string {
  if (!chain.ok) return `BROKEN${chain.firstBrokenSeq === undefined ? '' : ` at seq ${chain.firstBrokenSeq}`}: ${chain.reason ?? chain.problem ?? ''}`;
  const head = chain.head === undefined ? 'empty' : `head ${chain.head.seq} ${chain.head.hash.slice(0, 16)}…`;
  return chain.triggersEnabled ? `intact (${head})` : `intact (${head}), but its triggers are DISABLED`;
}

/** The result as an aligned table, one line per audit table. */
export function formatAuditVerify(result: AuditVerifyResult): string {
  const rows: string[][] = [['SERVICE', 'TABLE', 'ROWS', 'CHAIN']];
  for (const service of result.services) {
    if ('error' in service) rows.push([service.service, '-', '-', `UNREADABLE: ${service.error} (${service.database})`]);
    else for (const chain of service.chains) rows.push([service.service, chain.table, String(chain.rows), status(chain)]);
  }
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]?.length ?? 0)));
  const lines = rows.map((row) =>
    row.map((cell, i) => (i === 2 ? cell.padStart(widths[i] ?? 0) : i < 3 ? cell.padEnd(widths[i] ?? 0) : cell)).join('  ').trimEnd(),
  );
  lines.push('', result.ok ? 'Every audit chain is intact.' : 'At least one audit chain is broken, unguarded or unreadable.');
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  let values: { json?: boolean; service?: string[]; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { json: { type: 'boolean' }, service: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const unknown = (values.service ?? []).filter((s) => !(s in AUDITED));
  if (unknown.length > 0) {
    process.stderr.write(`no audit tables in service ${unknown.join(', ')}\n\n${USAGE}\n`);
    return 2;
  }
  const result = await verifyAuditChains(values.service);
  process.stdout.write(values.json === true ? `${JSON.stringify(result, null, 2)}\n` : `${formatAuditVerify(result)}\n`);
  return result.ok ? 0 : 1;
}

// Run as a script; imported (by the operator CLI, say), it only lends its functions.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
