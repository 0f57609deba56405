import type { Logger, Outbox } from '@referral-hub/platform';
import type { ConsentDatabase } from '../../data-access/database.js';
import { publishExpiredConsents } from '../../domain/publish-expired-consents.js';

export type ExpiryScheduler = { stop(): Promise<void> };

/**
 * Runs {@link publishExpiredConsents} every `intervalMs`, one run at a time; a failed run is
 * logged and the next one tries again. `stop()` cancels the timer and waits for a run in flight.
 */
export function startExpiryScheduler(options: {
  db: ConsentDatabase;
  outbox: Outbox;
  logger: Logger;
  intervalMs: number;
  batchSize: number;
}): ExpiryScheduler {
  const logger = options.logger.child({ component: 'consent-expiry' });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const tick = (): void => {
    timer = undefined;
    running = publishExpiredConsents({ db: options.db, outbox: options.outbox }, { batchSize: options.batchSize })
      .then((count) => {
        if (count > 0) logger.info({ count }, 'announced expired consents');
      })
      .catch((error: unknown) => logger.error({ err: error }, 'announcing expired consents failed; will retry'))
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(tick, options.intervalMs);
      });
  };
  timer = setTimeout(tick, Math.min(options.intervalMs, 1000));

  return {
    stop: async () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
    },
  };
}
