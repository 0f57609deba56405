import { startPeriodicJob } from '@referral-hub/platform';
import type { Logger, PeriodicJob } from '@referral-hub/platform';
import type { ReferralDeps } from '../../domain/deps.js';
import { forgetPhoneRequests } from '../../domain/forget-phone-requests.js';
import { forgetUsedActionLinks } from '../../domain/forget-used-action-links.js';

/**
 * Every hour, forgets old answers to phone requests (`forget-phone-requests.ts`) and the nonces of e-mail
 * action links used long enough ago to have expired for good (`forget-used-action-links.ts`).
 */
export function startPhoneRequestsPurge(options: { deps: Pick<ReferralDeps, 'db' | 'now'>; logger: Logger; intervalMs?: number }): PeriodicJob {
  return startPeriodicJob({
    name: 'phone-requests-purge',
    intervalMs: options.intervalMs ?? 3_600_000,
    logger: options.logger,
    run: async () => {
      const count = await forgetPhoneRequests(options.deps);
      if (count > 0) options.logger.info({ count }, 'Old answers to phone requests forgotten');
      const links = await forgetUsedActionLinks(options.deps);
      if (links > 0) options.logger.info({ count: links }, 'Used action links expired for good forgotten');
    },
  });
}
