import { startPeriodicJob } from '@referral-hub/platform';
import type { Logger, PeriodicJob } from '@referral-hub/platform';
import type { ReferralsDatabase } from '../../data-access/database.js';
import { refreshDirectoryDetails } from '../../domain/refresh-directory-details.js';
import type { DetailsRefreshOptions } from '../../domain/refresh-directory-details.js';
import type { DirectoryGateway } from '../../gateways/directory-client.js';

/**
 * Runs the directory details refresher every `intervalMs`, one run at a time.
 * A failed run is logged and the next one tries again; rows that failed wait
 * out their own back-off, so a directory that is down is not hammered.
 */
export function startDirectoryDetailsRefresher(options: {
  deps: { db: ReferralsDatabase; directory: DirectoryGateway; now: () => Date };
  logger: Logger;
  intervalMs: number;
  refresh?: Partial<DetailsRefreshOptions>;
}): PeriodicJob {
  const refresh: DetailsRefreshOptions = {
    leaseMs: 60_000,
    retryBaseMs: options.intervalMs,
    retryMaxMs: 300_000,
    batchSize: 50,
    ...options.refresh,
  };
  let wasDown = false;
  return startPeriodicJob({
    name: 'directory-details',
    intervalMs: options.intervalMs,
    logger: options.logger,
    run: async () => {
      const result = await refreshDirectoryDetails(options.deps, refresh);
      if (result.directoryDown && !wasDown) options.logger.warn('The directory cannot be reached: the read model keeps its last known details');
      if (!result.directoryDown && wasDown) options.logger.info('The directory answers again');
      wasDown = result.directoryDown;
      if (result.refreshed > 0) options.logger.debug({ refreshed: result.refreshed }, 'Directory details refreshed');
    },
  });
}
