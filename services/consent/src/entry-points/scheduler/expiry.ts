import { startPeriodicJob } from '@referral-hub/platform';
import type { Logger, Outbox, PeriodicJob } from '@referral-hub/platform';
import type { ConsentDatabase } from '../../data-access/database.js';
import { publishExpiredConsents } from '../../domain/publish-expired-consents.js';

export type ExpiryScheduler = PeriodicJob;

/**
 * Runs {@link publishExpiredConsents} every `intervalMs`, one run at a time; a failed run is
 * tried again by the next. `stop()` cancels the timer and waits for a run in flight.
 */
export function startExpiryScheduler(options: {
  db: ConsentDatabase;
  outbox: Outbox;
  logger: Logger;
  intervalMs: number;
  batchSize: number;
}): ExpiryScheduler {
  return startPeriodicJob({
    name: 'consent-expiry',
    intervalMs: options.intervalMs,
    logger: options.logger,
    run: async () => {
      const count = await publishExpiredConsents({ db: options.db, outbox: options.outbox }, { batchSize: options.batchSize });
      if (count > 0) options.logger.info({ count }, 'announced expired consents');
    },
  });
}
