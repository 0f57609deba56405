import { describe, expect, it } from 'vitest';
import { runHub } from './support.js';

describe('hub', () => {
  it('lists its commands with --help, and each command explains its options', async () => {
    const [help, backlog, hsds] = await Promise.all([runHub(['--help']), runHub(['backlog', '--help']), runHub(['help', 'hsds'])]);
    expect(help.code).toBe(0);
    for (const command of ['token', 'hsds', 'dead-letters', 'backlog', 'audit']) expect(help.stdout).toContain(`  ${command}`);
    expect(backlog.code).toBe(0);
    expect(backlog.stdout).toContain('Usage: hub backlog');
    expect(hsds.stdout).toContain('Usage: hub hsds import');
  });

  it('answers a wrong command line with exit code 2 and what it expected, doing nothing', async () => {
    const [none, unknown, option, audit] = await Promise.all([
      runHub([]),
      runHub(['frobnicate']),
      runHub(['backlog', '--colour']),
      runHub(['audit', 'repair']),
    ]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Commands:');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command frobnicate');
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("Unknown option '--colour'");
    expect(audit.code).toBe(2);
    expect(audit.stderr).toContain('unknown audit action repair');
  });
});
