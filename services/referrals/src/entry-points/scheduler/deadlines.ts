import { startPeriodicJob } from '@referral-hub/platform';
import type { Logger, PeriodicJob } from '@referral-hub/platform';
import type { ReferralDeps } from '../../domain/deps.js';
import { escalateOverdueReferrals } from '../../domain/escalate-overdue-referrals.js';
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
      // After the reminders: a stage is always reminded before it is escalated.
      const escalated = await escalateOverdueReferrals(options.deps);
      if (escalated > 0) options.logger.info({ count: escalated }, 'Overdue referrals escalated');
    },
  });
}
