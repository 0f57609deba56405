import type { Logger } from '@referral-hub/platform';
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
}): { stop(): Promise<void> } {
  const refresh: DetailsRefreshOptions = {
    leaseMs: 60_000,
    retryBaseMs: options.intervalMs,
    retryMaxMs: 300_000,
    batchSize: 50,
    ...options.refresh,
  };
  let running: Promise<void> | undefined;
  let stopped = false;
  let wasDown = false;
  const tick = () => {
    if (running !== undefined || stopped) return;
    running = refreshDirectoryDetails(options.deps, refresh)
      .then((result) => {
        if (result.directoryDown && !wasDown) options.logger.warn('The directory cannot be reached: the read model keeps its last known details');
        if (!result.directoryDown && wasDown) options.logger.info('The directory answers again');
        wasDown = result.directoryDown;
        if (result.refreshed > 0) options.logger.debug({ refreshed: result.refreshed }, 'Directory details refreshed');
      })
      .catch((error: unknown) => options.logger.error({ err: error }, 'Refreshing directory details failed'))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
