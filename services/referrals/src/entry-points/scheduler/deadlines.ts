import { startPeriodicJob } from '@referral-hub/platform';
import type { Logger, PeriodicJob } from '@referral-hub/platform';
import type { ReferralDeps } from '../../domain/deps.js';
import { publishOverdueReferrals } from '../../domain/publish-overdue-referrals.js';

/**
 * Looks for passed deadlines every `intervalMs`. Nothing is marked until its
 * transaction commits, so a failed run is simply tried again by the next.
 */
export function startDeadlineScheduler(options: {
  deps: Pick<ReferralDeps, 'db' | 'outbox' | 'now'>;
  logger: Logger;
  intervalMs: number;
}): PeriodicJob {
  return startPeriodicJob({
    name: 'referral-deadlines',
    intervalMs: options.intervalMs,
    logger: options.logger,
    run: async () => {
      const count = await publishOverdueReferrals(options.deps);
      if (count > 0) options.logger.info({ count }, 'Overdue referrals announced');
    },
  });
}
