import { ROLES, forbidden } from '@referral-hub/platform';
import type { Principal, Role } from '@referral-hub/platform';

/** Whose resource an action touches, seen from the caller. */
export type Relation = 'own' | 'other';

/** For one role: which relations allow the action. */
type Grant = readonly Relation[];

const ANY: Grant = ['own', 'other'];
const OWN: Grant = ['own'];
const everyone = (grant: Grant): Partial<Record<Role, Grant>> => Object.fromEntries(ROLES.map((role) => [role, grant]));

/**
 * The directory's access rules, as data: action → role → relations allowed.
 * Anything not listed is denied. "own" means the resource belongs to the
 * caller's organisation (the token's `org` claim). Tested as a table in
 * `test/access.test.ts` and through the HTTP API in `test/authorization.test.ts`.
 */
export const ACCESS_RULES = {
  /** Search and read the map (organisations, services, locations, focal points, taxonomy, areas, HSDS API). */
  'directory.read': everyone(ANY),
  'organization.create': { network_coordinator: ANY },
  'organization.update': { network_coordinator: ANY, org_admin: OWN },
  'service.create': { network_coordinator: ANY, org_admin: OWN },
  'service.update': { network_coordinator: ANY, org_admin: OWN },
  'location.create': { network_coordinator: ANY, org_admin: OWN },
  'location.update': { network_coordinator: ANY, org_admin: OWN },
  /** See the address and coordinates of a confidential location. */
  'location.seeConfidential': { ...everyone(OWN), network_coordinator: ANY },
  'focalPoint.create': { network_coordinator: ANY, org_admin: OWN },
  'focalPoint.update': { network_coordinator: ANY, org_admin: OWN },
  'focalPoint.delete': { network_coordinator: ANY, org_admin: OWN },
  'history.read': { network_coordinator: ANY, org_admin: OWN },
  'taxonomy.edit': { network_coordinator: ANY },
  'area.edit': { network_coordinator: ANY },
  'hsds.import': { network_coordinator: ANY },
  'services.listStale': { network_coordinator: ANY },
  'report.gaps': { network_coordinator: ANY },
} as const satisfies Record<string, Partial<Record<Role, Grant>>>;

export type Action = keyof typeof ACCESS_RULES;
export const ACTIONS = Object.keys(ACCESS_RULES) as Action[];

/** The caller's relation to a resource owned by `ownerOrganizationId` (`other` when it has no owner). */
export function relationTo(principal: Principal, ownerOrganizationId: string | null | undefined): Relation {
  return ownerOrganizationId !== null && ownerOrganizationId !== undefined && principal.organizationId === ownerOrganizationId ? 'own' : 'other';
}

/** True when one of the caller's roles grants `action` on a resource of `ownerOrganizationId`. Deny by default. */
export function isAllowed(principal: Principal, action: Action, ownerOrganizationId?: string | null): boolean {
  const relation = relationTo(principal, ownerOrganizationId);
  const rules: Partial<Record<Role, Grant>> = ACCESS_RULES[action];
  return principal.roles.some((role) => rules[role]?.includes(relation) ?? false);
}

/**
 * Throws 403 unless the caller may do `action`.
 * @throws AppError 403
 */
export function authorize(principal: Principal, action: Action, ownerOrganizationId?: string | null): void {
  if (!isAllowed(principal, action, ownerOrganizationId)) throw forbidden('Your role does not allow this action on this resource.');
}

/** Whether the caller may see the address and coordinates of a confidential location of `ownerOrganizationId`. */
export function canSeeConfidential(principal: Principal, ownerOrganizationId: string): boolean {
  return isAllowed(principal, 'location.seeConfidential', ownerOrganizationId);
}
