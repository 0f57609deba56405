/**
 * `npm run demo` (scripts/demo/walkthrough.ts) as a person runs it: against
 * a hub whose notifications keep e-mails and SMS in the development outbox
 * (no mail relay, no SMS provider), twice in a row — the department's focal
 * point acknowledging by SMS reply through the gateway's callback — and
 * against no hub at all.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PAYLOAD } from '../../scripts/demo/case.js';
import { closeE2eHub, startE2eHub } from './harness/hub.js';
import type { E2eHub } from './harness/hub.js';
import { NODE_SOURCE_ARGS, freePort } from './harness/processes.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

let hub: E2eHub;
let outboxUrl: string;

beforeAll(async () => {
  hub = await startE2eHub('walkthrough');
  const outboxPort = await freePort();
  outboxUrl = `http://127.0.0.1:${outboxPort}`;
  // As `npm start` runs it: no relay, no provider, messages kept for the outbox page.
  await hub.restart('notifications', { env: { SMTP_URL: undefined, SMS_PROVIDER: undefined, SMS_HTTP_URL: undefined, DEV_OUTBOX_PORT: String(outboxPort) } });
});

afterAll(async () => {
  await closeE2eHub(hub);
});

beforeEach(({ onTestFailed }) => {
  onTestFailed(async () => {
    process.stderr.write(`\nProcess logs:\n${await hub.logs()}\n`);
  });
});

/** Runs the walkthrough as `npm run demo` does, with only these variables. */
async function runDemo(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...NODE_SOURCE_ARGS, 'scripts/demo/walkthrough.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}

function hubEnv(): Record<string, string> {
  return {
    DIRECTORY_URL: hub.endpoints.directoryUrl,
    CONSENT_URL: hub.endpoints.consentUrl,
    REFERRALS_URL: hub.endpoints.referralsUrl,
    NOTIFICATIONS_URL: hub.endpoints.notificationsUrl,
    DEV_OUTBOX_URL: outboxUrl,
    IDENTITY_URL: hub.identityUrl,
    AUTH_ISSUER: hub.issuer,
    AUTH_AUDIENCE: hub.audience,
    DEV_IDENTITY_DIR: hub.identityDir,
    DEMO_TIMEOUT_MS: '45000',
    PHONE_CALLBACK_KEY: hub.phoneCallbackKey,
  };
}

/** Text values the walkthrough must never print: the child's case summary, needs and plan. */
const NEVER_PRINTED = [DEMO_PAYLOAD['case.summary'], ...DEMO_PAYLOAD['case.needsAssessed'], ...DEMO_PAYLOAD['case.planGoals']];

describe('npm run demo', () => {
  it('walks the case through a running hub, twice, printing the child’s details only where the clinic sees them', async () => {
    const first = await runDemo(hubEnv());
    expect(first.stderr).not.toContain('demo:');
    expect(first.code, first.stderr).toBe(0);
    const second = await runDemo(hubEnv());
    expect(second.code, second.stderr).toBe(0);

    for (const run of [first, second]) {
      const out = run.stdout;
      for (const heading of ['1. ', '2. Consentement', '3. Recherche', '4. ', '5. La DPPE', '6. La clinique', '7. La tante', '8. ']) expect(out).toContain(`── ${heading}`);
      expect(out).toContain('✉ E-mail  « Référencement ');
      expect(out).toContain('✆ SMS');
      expect(out).toContain('plus aucune information sur l’enfant');
      // The department's focal point acknowledges by answering her SMS with its reply code.
      const smsSection = out.slice(out.indexOf('── 5.'), out.indexOf('── 6.'));
      const replyCode = /Elle répond \/ she replies « OK ([0-9]{4,6}) »/.exec(smsSection)?.[1];
      expect(replyCode, smsSection).toBeDefined();
      expect(smsSection).toMatch(new RegExp(`✆ SMS\\s+« [^»]*${replyCode ?? 'none'}`));
      expect(smsSection).toMatch(/REF-[0-9A-Z]{5} → reçu — historique : accusé de réception par SMS/);
      expect(smsSection).toContain('reçoit la confirmation / gets the confirmation:');
      expect(smsSection).toContain('✉ E-mail  « Référencement ');
      // The child's details appear in the clinic's view (section 6) and nowhere before it.
      const clinicSection = out.indexOf('── 6.');
      expect(out.indexOf(DEMO_PAYLOAD['child.firstName'])).toBeGreaterThan(clinicSection);
      expect(out.indexOf(DEMO_PAYLOAD['child.lastName'])).toBeGreaterThan(clinicSection);
      expect(out.slice(out.indexOf('── 7.'))).not.toContain(DEMO_PAYLOAD['child.firstName']);
      for (const text of NEVER_PRINTED) expect(out).not.toContain(text);
    }
    const caseCode = (out: string) => /dossier \/ case (MV-[0-9]{8}-[A-Z0-9]{4})/.exec(out)?.[1];
    expect(caseCode(first.stdout)).toBeDefined();
    expect(caseCode(second.stdout)).not.toBe(caseCode(first.stdout));
  });

  it('says the hub is not running, and exits 2, when nothing answers', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const run = await runDemo({
      ...hubEnv(),
      DIRECTORY_URL: closed,
      CONSENT_URL: closed,
      REFERRALS_URL: closed,
      NOTIFICATIONS_URL: closed,
      IDENTITY_URL: closed,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('is the hub running? Start it with `npm start`.');
    expect(run.stdout).toBe('');
  });
});
