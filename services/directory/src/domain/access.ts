import { accessPolicy, ROLES } from '@referral-hub/platform';
import type { Principal } from '@referral-hub/platform';

/**
 * How the caller's organisation can stand to a resource of the directory: it owns it (`own`: the
 * organisation itself, or its services, locations, focal points and history). A grant under
 * `any` holds whoever owns the resource.
 */
export const RELATIONSHIPS = ['own'] as const;
export type Relationship = (typeof RELATIONSHIPS)[number];

/**
 * The directory's access policy, as data (the platform's shape, ADR 20): action → relationship →
 * roles. Anything not listed is denied. Tested cell by cell in `test/access.test.ts` and through
 * the HTTP API in `test/authorization.test.ts`.
 */
export const ACCESS = accessPolicy({
  relationships: RELATIONSHIPS,
  rules: {
    /** Search and read the map (organisations, services, locations, focal points, taxonomy, areas, HSDS API). */
    'directory.read': { any: ROLES },
    'organization.create': { any: ['network_coordinator'] },
    'organization.update': { any: ['network_coordinator'], own: ['org_admin'] },
    'service.create': { any: ['network_coordinator'], own: ['org_admin'] },
    'service.update': { any: ['network_coordinator'], own: ['org_admin'] },
    'location.create': { any: ['network_coordinator'], own: ['org_admin'] },
    'location.update': { any: ['network_coordinator'], own: ['org_admin'] },
    /** See the address and coordinates of a confidential location: its own organisation, and the network's coordinator. */
    'location.seeConfidential': { any: ['network_coordinator'], own: ROLES },
    'focalPoint.create': { any: ['network_coordinator'], own: ['org_admin'] },
    'focalPoint.update': { any: ['network_coordinator'], own: ['org_admin'] },
    'focalPoint.delete': { any: ['network_coordinator'], own: ['org_admin'] },
    'history.read': { any: ['network_coordinator'], own: ['org_admin'] },
    'taxonomy.edit': { any: ['network_coordinator'] },
    'area.edit': { any: ['network_coordinator'] },
    'hsds.import': { any: ['network_coordinator'] },
    'services.listStale': { any: ['network_coordinator'] },
    'report.gaps': { any: ['network_coordinator'] },
  },
  refusal: 'Your role does not allow this action on this resource.',
});

export type Action = (typeof ACCESS.actions)[number];

/**
 * Whether the caller may do `action` (with the facts of {@link ownedBy}); deny by default.
 * `requireAccess` throws the 403 problem instead.
 */
export const { can, requireAccess } = ACCESS;

/** The caller's relationship to a resource owned by `ownerOrganizationId` (none when it has no owner). */
export function ownedBy(principal: Pick<Principal, 'organizationId'>, ownerOrganizationId: string | null | undefined): Relationship[] {
  return ownerOrganizationId !== null && ownerOrganizationId !== undefined && principal.organizationId === ownerOrganizationId ? ['own'] : [];
}

/** Whether the caller may see the address and coordinates of a confidential location of `ownerOrganizationId`. */
export function canSeeConfidential(principal: Principal, ownerOrganizationId: string): boolean {
  return can(principal, 'location.seeConfidential', ownedBy(principal, ownerOrganizationId)).allowed;
}
