import type { Logger } from '@referral-hub/platform';
import type { ReferralDeps } from '../../domain/deps.js';
import { publishOverdueReferrals } from '../../domain/publish-overdue-referrals.js';

/**
 * Looks for passed deadlines every `intervalMs`. One run at a time; a failed
 * run is logged and the next one tries again (nothing is marked until its
 * transaction commits).
 */
export function startDeadlineScheduler(options: {
  deps: Pick<ReferralDeps, 'db' | 'outbox' | 'now'>;
  logger: Logger;
  intervalMs: number;
}): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = () => {
    if (running !== undefined || stopped) return;
    running = publishOverdueReferrals(options.deps)
      .then((count) => {
        if (count > 0) options.logger.info({ count }, 'Overdue referrals announced');
      })
      .catch((error: unknown) => options.logger.error({ err: error }, 'Looking for overdue referrals failed'))
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
