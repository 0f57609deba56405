import { UpstreamUnavailableError } from '@referral-hub/platform';
import type { ReferralsDatabase } from '../data-access/database.js';
import {
  claimDetailsDue,
  deferDetails,
  lockDetails,
  replaceFocalPoints,
  writeOrganizationDetails,
  writeServiceDetails,
} from '../data-access/directory-details.js';
import type { ClaimedDetails, DetailsKind, FocalPointDetails } from '../data-access/directory-details.js';
import type { DirectoryFocalPoint, DirectoryGateway } from '../gateways/directory-client.js';

export type DetailsRefreshOptions = {
  /** How long a claimed row is left to one instance before another may fetch it (a crash mid-fetch). */
  leaseMs: number;
  /** The wait after a first failure; doubled after each further one, up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Most rows of each kind fetched in one run. */
  batchSize: number;
};

export type DetailsRefreshResult = {
  refreshed: number;
  deferred: number;
  /** The directory could not be reached or failed: the run stopped at its first failed row. */
  directoryDown: boolean;
};

const KINDS: readonly DetailsKind[] = ['organization', 'service'];

/** How long to wait before the next fetch of a row that failed `attempts` times before this one. */
export function retryDelay(attempts: number, options: Pick<DetailsRefreshOptions, 'retryBaseMs' | 'retryMaxMs'>): number {
  return Math.min(options.retryMaxMs, options.retryBaseMs * 2 ** Math.min(attempts, 30));
}

/**
 * Fetches from the directory's API the details its events do not carry
 * (organisation and service names, referral focal points) for read model rows
 * whose details are behind their version, one claimed row at a time, so that
 * several instances share the work and never fetch one row together.
 *
 * The directory being down fails nothing: the row keeps its last known
 * details and is tried again after a growing delay, and the run stops at the
 * first such failure, so a directory that is down sees one call per run.
 * Details are stored only over older ones (the row is locked and its
 * `details_version` compared), so a slow fetch never overwrites a newer one.
 */
export async function refreshDirectoryDetails(
  deps: { db: ReferralsDatabase; directory: DirectoryGateway; now: () => Date },
  options: DetailsRefreshOptions,
): Promise<DetailsRefreshResult> {
  const result: DetailsRefreshResult = { refreshed: 0, deferred: 0, directoryDown: false };
  for (const kind of KINDS) {
    for (let i = 0; i < options.batchSize; i += 1) {
      const claimed = await claimDetailsDue(deps.db, kind, options.leaseMs);
      if (claimed === null) break;
      let outcome: 'stored' | 'behind';
      try {
        outcome = await fetchAndStore(deps, kind, claimed);
      } catch (error) {
        await deferDetails(deps.db, kind, claimed.id, retryDelay(claimed.attempts, options));
        result.deferred += 1;
        if (!(error instanceof UpstreamUnavailableError)) throw error;
        // A 4xx is about this row (a 404 while its deletion is on its way); anything else is the directory.
        if (error.status === undefined || error.status >= 500 || error.status === 401 || error.status === 403) {
          result.directoryDown = true;
          return result;
        }
        continue;
      }
      if (outcome === 'stored') {
        result.refreshed += 1;
      } else {
        // The directory answered an older version than it announced (a lagging replica): ask again later.
        await deferDetails(deps.db, kind, claimed.id, retryDelay(claimed.attempts, options));
        result.deferred += 1;
      }
    }
  }
  return result;
}

async function fetchAndStore(
  deps: { db: ReferralsDatabase; directory: DirectoryGateway; now: () => Date },
  kind: DetailsKind,
  claimed: ClaimedDetails,
): Promise<'stored' | 'behind'> {
  // The owner first, then its focal points: the focal points are then at least as new as the version stored.
  if (kind === 'organization') {
    const organization = await deps.directory.getOrganization(claimed.id);
    const focalPoints = (await deps.directory.listFocalPoints(claimed.id)).filter((fp) => fp.serviceId === null);
    return deps.db.transaction(async (tx) => {
      const row = await lockDetails(tx, kind, claimed.id);
      if (row === null) return 'stored';
      if (organization.version > row.detailsVersion) {
        const fetchedAt = deps.now();
        await replaceFocalPoints(tx, { organizationId: claimed.id, serviceId: null }, focalPoints.map(toDetails), fetchedAt);
        await writeOrganizationDetails(tx, claimed.id, { name: organization.name, detailsVersion: organization.version, fetchedAt });
      }
      return Math.max(organization.version, row.detailsVersion) >= row.version ? 'stored' : 'behind';
    });
  }
  const service = await deps.directory.getService(claimed.id);
  const focalPoints = (await deps.directory.listFocalPoints(service.organizationId)).filter((fp) => fp.serviceId === claimed.id);
  return deps.db.transaction(async (tx) => {
    const row = await lockDetails(tx, kind, claimed.id);
    if (row === null) return 'stored';
    if (service.version > row.detailsVersion) {
      const fetchedAt = deps.now();
      await replaceFocalPoints(tx, { organizationId: service.organizationId, serviceId: claimed.id }, focalPoints.map(toDetails), fetchedAt);
      await writeServiceDetails(tx, claimed.id, { name: service.name, detailsVersion: service.version, fetchedAt });
    }
    return Math.max(service.version, row.detailsVersion) >= row.version ? 'stored' : 'behind';
  });
}

function toDetails(fp: DirectoryFocalPoint): FocalPointDetails {
  return {
    id: fp.id,
    organizationId: fp.organizationId,
    serviceId: fp.serviceId,
    name: fp.name,
    title: fp.title,
    email: fp.email,
    phone: fp.phone,
    languages: fp.languages,
    preferredLanguage: fp.notificationLanguage,
    version: fp.version,
  };
}
