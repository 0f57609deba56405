import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readVitestReport } from '../../scripts/lib/checks.mjs';
import { emitDeclarations, readCommittedDeclarations } from '../../scripts/lib/declarations.mjs';
import { readPackageManager } from '../../scripts/lib/pnpm.mjs';
import { DEMO_ORGANIZATIONS } from '../../scripts/demo/network.js';
import { formatLogLine } from '../../scripts/lib/pretty.mjs';

const noColour = (_name: string, text: string): string => text;
const scratch = mkdtempSync(join(tmpdir(), 'hub-scripts-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function writeJson(name: string, value: unknown): string {
  const file = join(scratch, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

describe('pretty log lines of `npm start`', () => {
  it('shows a pino line as time, level, message and its request fields', () => {
    const time = new Date(2026, 10, 23, 14, 5, 9).getTime();
    const line = JSON.stringify({
      level: 30,
      time,
      pid: 42,
      hostname: 'box',
      service: 'directory',
      msg: 'request completed',
      requestId: 'r-1',
      req: { method: 'GET', url: '/v1/organizations' },
      res: { statusCode: 200 },
      responseTime: 12,
    });
    expect(formatLogLine(line, noColour)).toBe(
      '14:05:09 info  request completed GET /v1/organizations status=200 requestId=r-1 responseTime=12',
    );
  });

  it('prints the stack of an error under its line', () => {
    const line = JSON.stringify({
      level: 50,
      time: Date.now(),
      msg: 'handler failed',
      err: { message: 'boom', stack: 'Error: boom\n    at handler (a.ts:1:1)\n    at run (b.ts:2:2)' },
    });
    const [first, ...stack] = formatLogLine(line, noColour).split('\n');
    expect(first).toMatch(/^\d\d:\d\d:\d\d error handler failed err=boom$/);
    expect(stack).toEqual(['    at handler (a.ts:1:1)', '    at run (b.ts:2:2)']);
  });

  it('leaves lines that are not pino JSON untouched', () => {
    expect(formatLogLine('Listening on 4010', noColour)).toBe('Listening on 4010');
    expect(formatLogLine('{not json}', noColour)).toBe('{not json}');
    expect(formatLogLine('{"a":1}', noColour)).toBe('{"a":1}');
  });
});

describe('the test summary of `npm test`', () => {
  it('counts a test file that failed to load as a failure, even with no failed test', () => {
    const file = writeJson('report.json', {
      numPassedTests: 7,
      numFailedTests: 1,
      numPendingTests: 2,
      numTodoTests: 0,
      testResults: [
        { status: 'passed', assertionResults: [{ status: 'passed' }] },
        { status: 'failed', assertionResults: [{ status: 'failed' }, { status: 'passed' }] },
        { status: 'failed', assertionResults: [], message: 'Cannot find module' },
      ],
    });
    expect(readVitestReport(file)).toEqual({ passed: 7, failed: 2, skipped: 2, brokenFiles: 1 });
  });

  it('reports no counts when vitest wrote no report', () => {
    expect(readVitestReport(join(scratch, 'missing.json'))).toBeUndefined();
    const broken = join(scratch, 'broken.json');
    writeFileSync(broken, '{"numPassedTests": 3');
    expect(readVitestReport(broken)).toBeUndefined();
  });
});

describe('the pinned pnpm', () => {
  it.each([
    ['pnpm@10.34.8', '10.34.8'],
    ['pnpm@10.34.8+sha512.0123abcd', '10.34.8'],
  ])('is read from packageManager %s', (field, version) => {
    const dir = mkdtempSync(join(scratch, 'pkg-'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ packageManager: field }));
    expect(readPackageManager(dir)).toEqual({ name: 'pnpm', version });
  });

  it('is what `npm run pnpm -- …` runs, with no pnpm on PATH (as on a fresh machine)', () => {
    const root = join(import.meta.dirname, '..', '..');
    const path = (process.env.PATH ?? '')
      .split(':')
      .filter((dir) => !readdirSafe(dir).includes('pnpm'))
      .join(':');
    const printed = execFileSync(process.execPath, [join(root, 'scripts', 'hub.mjs'), 'pnpm', '--version'], {
      cwd: root,
      env: { ...process.env, PATH: path, HUB_PRETTY: '0' },
      encoding: 'utf8',
    });
    expect(printed.trim().split('\n').at(-1)).toBe(readPackageManager(root).version);
  });

  it('is never called bare by a root package script or a command the READMEs show (it is not on a fresh PATH)', () => {
    const root = join(import.meta.dirname, '..', '..');
    const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const bare = Object.entries(scripts).filter(([, command]) => /(^|&&\s*|;\s*)pnpm\s/.test(command));
    expect(bare).toEqual([]);
    const readmes = ['README.md', 'infra/README.md', 'docs/README.md', 'docs/runbook.md', ...['packages', 'services'].flatMap((dir) => readdirSync(join(root, dir)).map((name) => `${dir}/${name}/README.md`))];
    const shown: string[] = [];
    for (const readme of readmes) {
      let text: string;
      try {
        text = readFileSync(join(root, readme), 'utf8');
      } catch {
        continue;
      }
      // A command line in a code block or inline code that starts with pnpm (after an optional VAR=value prefix).
      const lines = text.split('\n').filter((line) => /^\s*(?:[A-Z_]+=\S+\s+)*pnpm\s/.test(line) || /`pnpm\s/.test(line) || /\\?\s+pnpm\s--filter/.test(line));
      for (const line of lines) shown.push(`${readme}: ${line.trim()}`);
    }
    expect(shown).toEqual([]);
  });

  it('refuses a repository that pins another package manager', () => {
    const dir = mkdtempSync(join(scratch, 'pkg-'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ packageManager: 'yarn@4.1.0' }));
    expect(() => readPackageManager(dir)).toThrow(/must pin pnpm/);
  });
});

describe('the README', () => {
  it('mints its example token for an organisation the demo network has', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const examples = [...readme.matchAll(/npm run --silent token -- --org (\S+)/g)].map((match) => match[1] ?? '');
    expect(examples.length).toBeGreaterThan(0);
    const known = new Set(DEMO_ORGANIZATIONS.flatMap((organization) => [organization.acronym, organization.name].filter((name) => name !== undefined)));
    expect(examples.filter((org) => !known.has(org))).toEqual([]);
  });
});

describe('the type declarations of the hub helpers', () => {
  it('match what their JSDoc compiles to (run `node scripts/lib/declarations.mjs --write` after an edit)', async () => {
    const fresh = await emitDeclarations();
    const committed = readCommittedDeclarations();
    expect([...committed.keys()].sort()).toEqual([...fresh.keys()].sort());
    for (const [name, text] of fresh) expect(committed.get(name), name).toBe(text);
  });
});

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
