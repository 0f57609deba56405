/**
 * The benchmarks `npm run bench` runs, cheapest first, each with the rows of
 * issue 16's table it is expected to print. A family row (`search-growth-`)
 * stands for any number of rows sharing that prefix.
 */
import { ISSUE_TABLE, selectedBy } from './rows.js';

export type Bench = {
  /** Short name, prefixed to the bench's output. */
  name: string;
  /** Path from the repository root, or absolute (`--bench`). */
  file: string;
  /** Ids it must print; an id ending in `-` is a family: at least one row with that prefix. */
  expects: readonly string[];
};

function familyMembers(prefix: string): string[] {
  const entry = ISSUE_TABLE.find((e) => e.id === prefix);
  return (entry?.members ?? []).map((member) => `${prefix}${member}`);
}

export const BENCHES: readonly Bench[] = [
  { name: 'consent', file: 'services/consent/bench/decisions.ts', expects: ['consent-decision'] },
  { name: 'recipient-read', file: 'services/referrals/bench/recipient-read.ts', expects: ['recipient-read'] },
  { name: 'create-submit', file: 'services/referrals/bench/create-submit.ts', expects: ['create-submit'] },
  { name: 'search', file: 'services/directory/bench/search.ts', expects: ['search-growth-'] },
  { name: 'submit-email', file: 'scripts/bench/submit-to-inbox.ts', expects: ['submit-email-50', 'submit-email-10'] },
  { name: 'idle-memory', file: 'scripts/bench/idle-memory.ts', expects: familyMembers('idle-rss-') },
];

/** Whether a family pattern (`search-growth-`) or an id matches a row id. */
export function expectationMatches(expected: string, id: string): boolean {
  return expected.endsWith('-') ? id.startsWith(expected) : id === expected;
}

/**
 * The benches `--only <prefix,...>` selects: those expecting an id that starts
 * with a prefix, or whose family a prefix narrows (`search-growth-text`).
 */
export function selectBenches(benches: readonly Bench[], prefixes: readonly string[]): Bench[] {
  if (prefixes.length === 0) return [...benches];
  return benches.filter((bench) =>
    bench.expects.some(
      (expected) => selectedBy(prefixes, expected) || (expected.endsWith('-') && prefixes.some((prefix) => prefix.startsWith(expected))),
    ),
  );
}

/**
 * The expected ids a bench did not print, among those the prefixes select
 * (a family counts as printed when one of its rows was).
 */
export function missingExpectations(bench: Bench, printedIds: readonly string[], prefixes: readonly string[]): string[] {
  return bench.expects.filter((expected) => {
    const wanted = expected.endsWith('-')
      ? prefixes.length === 0 || prefixes.some((prefix) => prefix.startsWith(expected) || expected.startsWith(prefix))
      : selectedBy(prefixes, expected);
    if (!wanted) return false;
    return !printedIds.some((id) => expectationMatches(expected, id) && selectedBy(prefixes, id));
  });
}
