import { accessCells } from '@referral-hub/platform';
import type { AccessCell, AccessPolicy, Grants, Role } from '@referral-hub/platform';

/** One row of a policy's table test: the cell's action, role and relationship, whether the written-out table allows it, and the cell. */
export type AccessTableRow<A extends string, R extends string> = readonly [A, Role, AccessCell<A, R>['relationship'], boolean, AccessCell<A, R>];

/**
 * Every cell of `policy` beside what the table written out again in a test says of it: a grant
 * under `any` holds in every standing, a grant under a relationship only in that one. A test
 * asserts each row against the policy's own evaluation, so a changed cell fails one row.
 */
export function accessTableRows<A extends string, R extends string>(
  policy: AccessPolicy<A, R>,
  expected: Readonly<Record<A, Grants<R>>>,
): AccessTableRow<A, R>[] {
  return accessCells(policy).map((cell) => {
    const grants = expected[cell.action];
    const allowed = (grants.any ?? []).includes(cell.role) || (cell.relationship !== 'any' && (grants[cell.relationship] ?? []).includes(cell.role));
    return [cell.action, cell.role, cell.relationship, allowed, cell] as const;
  });
}
