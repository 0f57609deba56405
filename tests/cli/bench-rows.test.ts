import { describe, expect, it } from 'vitest';
import { BENCHES, missingExpectations, selectBenches } from '../../scripts/bench/lib/benches.js';
import type { Machine } from '../../scripts/bench/lib/machine.js';
import { renderReport } from '../../scripts/bench/lib/report.js';
import type { BenchRow, ReportRow } from '../../scripts/bench/lib/rows.js';
import { goalHolds, parseBenchLine, placeholderRow, renderTable, sortRows } from '../../scripts/bench/lib/rows.js';

const row = (id: string, extra: Partial<BenchRow> = {}): BenchRow => ({
  id,
  path: `path of ${id}`,
  hub: '190 /s (p50 98 ms)',
  bare: '370 /s',
  ratio: 0.51,
  ratioText: '0.51',
  goal: '>= 0.5',
  met: true,
  ...extra,
});
const measured = (r: BenchRow): ReportRow => ({ ...r, status: 'measured', reason: '' });

describe('parseBenchLine', () => {
  it('reads a BENCH_ROW line into a row, and leaves other lines as progress', () => {
    const line = `BENCH_ROW ${JSON.stringify(row('create-submit'))}`;
    expect(parseBenchLine(line)).toEqual({ kind: 'row', row: row('create-submit') });
    expect(parseBenchLine(`  ${line}  `)).toEqual({ kind: 'row', row: row('create-submit') });
    expect(parseBenchLine('round 1: hub 190 /s')).toEqual({ kind: 'other' });
    expect(parseBenchLine(`[consent] ${line}`)).toEqual({ kind: 'other' });
    expect(parseBenchLine('BENCH_ROWS are coming')).toEqual({ kind: 'other' });
  });

  it('takes a null ratio, and derives the ratio text when the bench gives none', () => {
    const { ratioText: _ignored, ...withoutText } = row('idle-rss-consent', { ratio: null, bare: '' });
    expect(parseBenchLine(`BENCH_ROW ${JSON.stringify(withoutText)}`)).toMatchObject({ kind: 'row', row: { ratio: null, ratioText: '—', bare: '' } });
    const { ratioText: _also, ...numeric } = row('consent-decision', { ratio: 0.6666 });
    expect(parseBenchLine(`BENCH_ROW ${JSON.stringify(numeric)}`)).toMatchObject({ kind: 'row', row: { ratioText: '0.67' } });
  });

  it('says what is wrong with a BENCH_ROW line that is not a row', () => {
    const invalid = (line: string) => {
      const parsed = parseBenchLine(line);
      if (parsed.kind !== 'invalid') throw new Error(`expected invalid, got ${parsed.kind}`);
      return parsed.error;
    };
    expect(invalid('BENCH_ROW')).toContain('without JSON');
    expect(invalid('BENCH_ROW {"id":')).toContain('not JSON');
    expect(invalid('BENCH_ROW [1,2]')).toContain('not a JSON object');
    expect(invalid(`BENCH_ROW ${JSON.stringify({ ...row('create-submit'), met: 'yes' })}`)).toContain('"met" must be true or false');
    expect(invalid(`BENCH_ROW ${JSON.stringify({ ...row('create-submit'), ratio: '0.5' })}`)).toContain('"ratio"');
    expect(invalid(`BENCH_ROW ${JSON.stringify({ ...row('create-submit'), hub: 190 })}`)).toContain('"hub" must be a string');
    expect(invalid(`BENCH_ROW ${JSON.stringify({ ...row('x'), id: 'Create Submit' })}`)).toContain('"id"');
    expect(invalid(`BENCH_ROW ${JSON.stringify({ ...row('x'), id: '' })}`)).toContain('"id" is empty');
  });
});

describe('goalHolds', () => {
  it('compares a ratio with the goals as the issue writes them, and knows when it cannot', () => {
    expect(goalHolds('>= 0.5', 0.53)).toBe(true);
    expect(goalHolds('>= 0.6', 0.52)).toBe(false);
    expect(goalHolds('<= 10x', 8.2)).toBe(true);
    expect(goalHolds('<= 10x', 415.4)).toBe(false);
    expect(goalHolds('<= x2', 2)).toBe(true);
    expect(goalHolds('<= x2', 2.1)).toBe(false);
    expect(goalHolds('< 150 MB', null)).toBeUndefined();
    expect(goalHolds('< 150 MB', 140)).toBeUndefined();
    expect(goalHolds('>= 0.5', null)).toBeUndefined();
  });
});

describe('the table', () => {
  it('puts rows in the order of the issue, families by their members, unknown ids last', () => {
    const ids = [
      'idle-rss-console',
      'mystery',
      'search-growth-text',
      'idle-rss-directory',
      'consent-decision',
      'search-growth-all-combined',
      'submit-email-10',
      'create-submit',
      'submit-email-50',
      'recipient-read',
    ];
    expect(sortRows(ids.map((id) => row(id))).map((r) => r.id)).toEqual([
      'create-submit',
      'recipient-read',
      'consent-decision',
      'submit-email-50',
      'submit-email-10',
      'search-growth-text',
      'search-growth-all-combined',
      'idle-rss-directory',
      'idle-rss-console',
      'mystery',
    ]);
  });

  it('renders measured rows as printed and rows not measured with their reason', () => {
    const table = renderTable([
      measured(row('create-submit', { path: 'create + submit a referral', hub: '40 /s | p50 500 ms', met: false, ratioText: '0.11' })),
      measured(row('consent-decision', { path: 'consent decision', goal: '>= 0.6' })),
      placeholderRow('search-growth-', 'failed', 'exited with code 1'),
      placeholderRow('idle-rss-console', 'not run', 'scripts/bench/idle-memory.ts does not exist'),
    ]);
    expect(table.split('\n')).toEqual([
      '| path | hub | bare | ratio | goal | met |',
      '|---|---|---|---|---|---|',
      '| create + submit a referral | 40 /s \\| p50 500 ms | 370 /s | 0.11 | >= 0.5 | **no** |',
      '| consent decision | 190 /s (p50 98 ms) | 370 /s | 0.51 | >= 0.6 | yes |',
      '| directory search p95, growth 10k -> 100k services | **failed**: exited with code 1 |   | — | <= x2 | — |',
      '| RSS of each service, idle: console | **not run**: scripts/bench/idle-memory.ts does not exist |   | — | < 150 MB | — |',
    ]);
  });

  it('prints the machine and the date above the table', () => {
    const machine: Machine = {
      cpu: 'Test CPU',
      cores: 2,
      memoryGiB: 4,
      loadAverage: [1.5, 0.5, 0.25],
      os: 'Linux',
      node: 'v20.20.0',
      postgresql: '15.20',
      rabbitmq: '3.10.8',
      redis: '7.0.15',
    };
    const text = renderReport({
      date: '2026-12-06T12:00:00.000Z',
      quick: true,
      machine,
      rows: [measured(row('consent-decision'))],
      benches: [{ name: 'consent', file: 'services/consent/bench/decisions.ts', status: 'ran', exitCode: 0, seconds: 42, notes: [] }],
    });
    expect(text).toContain('## Benchmark run of 2026-12-06T12:00:00.000Z (quick');
    expect(text).toContain('- CPU: Test CPU, 2 cores available');
    expect(text).toContain('(1, 5, 15 min): 1.50, 0.50, 0.25');
    expect(text).toContain('Node v20.20.0; PostgreSQL 15.20; RabbitMQ 3.10.8; Redis 7.0.15');
    expect(text.indexOf('- CPU')).toBeLessThan(text.indexOf('| path |'));
    expect(text).toContain('1 of 1 rows measured; goal met on 1 of 1.');
    expect(text).not.toContain('Busy machine');
    const busy = renderReport({ date: '2026-12-06T12:00:00.000Z', quick: false, machine: { ...machine, loadAverage: [7, 3, 1] }, rows: [], benches: [] });
    expect(busy).toContain('**Busy machine**: the load average exceeded the 2 cores');
    expect(busy).not.toContain('(quick');
  });
});

describe('which benches run', () => {
  const names = (prefixes: string[]) => selectBenches(BENCHES, prefixes).map((b) => b.name);

  it('selects the benches whose rows an --only prefix names', () => {
    expect(names([])).toEqual(BENCHES.map((b) => b.name));
    expect(names(['consent-decision'])).toEqual(['consent']);
    expect(names(['submit-email-10', 'idle'])).toEqual(['submit-email', 'idle-memory']);
    expect(names(['search-growth-text'])).toEqual(['search']);
    expect(names(['search'])).toEqual(['search']);
    expect(names(['idle-rss-consent'])).toEqual(['idle-memory']);
    expect(names(['nothing'])).toEqual([]);
  });

  it('knows which expected rows a bench left out, among those selected', () => {
    const idle = BENCHES.find((b) => b.name === 'idle-memory');
    const search = BENCHES.find((b) => b.name === 'search');
    if (idle === undefined || search === undefined) throw new Error('bench missing from the list');
    expect(missingExpectations(idle, ['idle-rss-directory', 'idle-rss-consent', 'idle-rss-referrals', 'idle-rss-notifications'], [])).toEqual([
      'idle-rss-console',
    ]);
    expect(missingExpectations(idle, [], ['idle-rss-consent'])).toEqual(['idle-rss-consent']);
    expect(missingExpectations(search, ['search-growth-text'], [])).toEqual([]);
    expect(missingExpectations(search, [], [])).toEqual(['search-growth-']);
    expect(missingExpectations(search, ['search-growth-text'], ['search-growth-type'])).toEqual(['search-growth-']);
  });
});
