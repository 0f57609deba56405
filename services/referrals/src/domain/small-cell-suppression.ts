/**
 * Small-cell suppression for published counts.
 *
 * The rule:
 * 1. Primary: a published count from 1 to `threshold - 1` is suppressed. Zero is shown: it names
 *    nobody, and hiding it would hide empty periods and every total over them.
 * 2. Complementary: counts are tied by relations (a total equals the sum of its parts). A reader who
 *    knows every member of a relation but one can work the last one out. Whenever that one is a
 *    suppressed count, or an unpublished count (e.g. "acknowledged late" = acknowledged − within
 *    deadline) from 1 to `threshold - 1`, the smallest other published member of the relation
 *    that may still change is suppressed too (a zero only when nothing else is left), and the check runs again (derived values count as
 *    known, so chains of relations are followed) until nothing small can be derived.
 * 3. Cells marked `fixed` keep the state they were given (a lower level already decided them);
 *    they are never chosen for complementary suppression.
 */

export type SuppressionCell = {
  value: number;
  /** Published counts are shown unless suppressed; unpublished ones are only implied by relations. */
  published: boolean;
  /** Already decided elsewhere; never suppressed here. */
  fixed?: boolean;
  suppressed?: boolean;
};

/** Members of one linear relation (a total and its parts): knowing all but one gives the last one. */
export type Relation = readonly string[];

const weight = (value: number) => (value === 0 ? Number.POSITIVE_INFINITY : value);

function isSmall(value: number, threshold: number): boolean {
  return value > 0 && value < threshold;
}

/**
 * Marks `suppressed` on the cells (in place) by the rule above.
 * @throws Error when nothing left to suppress could protect a small count (then nothing is answered rather than a count revealed).
 */
export function suppressSmallCells(cells: Map<string, SuppressionCell>, relations: readonly Relation[], threshold: number): void {
  for (const cell of cells.values()) {
    if (cell.published && cell.fixed !== true && isSmall(cell.value, threshold)) cell.suppressed = true;
  }
  const byMember = new Map<string, number[]>();
  relations.forEach((relation, index) => {
    for (const key of relation) {
      if (!cells.has(key)) throw new Error(`relation names an unknown cell ${key}`);
      byMember.set(key, [...(byMember.get(key) ?? []), index]);
    }
  });
  const cellOf = (key: string): SuppressionCell => {
    const cell = cells.get(key);
    if (cell === undefined) throw new Error(`unknown cell ${key}`);
    return cell;
  };
  const isProtected = (cell: SuppressionCell) => cell.suppressed === true || (!cell.published && isSmall(cell.value, threshold));

  for (;;) {
    // What a reader knows: every shown count, then whatever the relations give from them.
    const known = new Set<string>();
    for (const [key, cell] of cells) if (cell.published && cell.suppressed !== true) known.add(key);
    const queue = relations.map((_, index) => index);
    const violations: number[] = [];
    while (queue.length > 0) {
      const index = queue.pop() ?? 0;
      const relation = relations[index] ?? [];
      const unknown = relation.filter((key) => !known.has(key));
      if (unknown.length !== 1) continue;
      const [derived = ''] = unknown;
      if (isProtected(cellOf(derived))) {
        violations.push(index);
        continue;
      }
      known.add(derived);
      for (const other of byMember.get(derived) ?? []) queue.push(other);
    }
    if (violations.length === 0) return;
    let changed = false;
    const suppressedNow = new Set<string>();
    for (const index of violations) {
      const relation = relations[index] ?? [];
      // Another violation of this pass may already have hidden one of its members.
      if (relation.some((key) => suppressedNow.has(key))) continue;
      const chosen = smallestCandidate(relation) ?? smallestCandidate(relation.flatMap((key) => (cellOf(key).published ? [] : (byMember.get(key) ?? []).flatMap((other) => relations[other] ?? []))));
      if (chosen === undefined) continue;
      cellOf(chosen).suppressed = true;
      suppressedNow.add(chosen);
      changed = true;
    }
    // Nothing left to suppress would leave a small count derivable: refuse to answer rather than reveal it.
    if (!changed) throw new Error('a small count cannot be protected by suppressing more cells');
  }

  /** The smallest shown count among `keys` that may still be suppressed. */
  function smallestCandidate(keys: readonly string[]): string | undefined {
    return [...new Set(keys)]
      .map((key) => ({ key, cell: cellOf(key) }))
      .filter(({ cell }) => cell.published && cell.suppressed !== true && cell.fixed !== true)
      // The smallest non-zero count: hiding a zero protects as well but spreads through every relation it is in.
      .sort((a, b) => weight(a.cell.value) - weight(b.cell.value) || a.key.localeCompare(b.key))[0]?.key;
  }
}
