import { startPeriodicJob } from '@referral-hub/platform';
import type { Logger, PeriodicJob } from '@referral-hub/platform';
import type { ReferralDeps } from '../../domain/deps.js';
import { forgetPhoneRequests } from '../../domain/forget-phone-requests.js';

/** Forgets old answers to phone requests every hour (`forget-phone-requests.ts`). */
export function startPhoneRequestsPurge(options: { deps: Pick<ReferralDeps, 'db' | 'now'>; logger: Logger; intervalMs?: number }): PeriodicJob {
  return startPeriodicJob({
    name: 'phone-requests-purge',
    intervalMs: options.intervalMs ?? 3_600_000,
    logger: options.logger,
    run: async () => {
      const count = await forgetPhoneRequests(options.deps);
      if (count > 0) options.logger.info({ count }, 'Old answers to phone requests forgotten');
    },
  });
}
