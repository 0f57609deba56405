/**
 * The referrals' own figure for Prometheus: referrals waiting past a deadline
 * now, by stage, counted at each scrape (an alert watches it rise).
 */
import { registerScrapeGauge } from '@referral-hub/platform';
import type { ServiceMetrics } from '@referral-hub/platform';
import { countOverdueReferrals } from '../data-access/overdue-counts.js';
import type { Tx } from '../data-access/database.js';

export function registerReferralMetrics(metrics: ServiceMetrics, db: Pick<Tx, '$queryRaw'>, now: () => Date = () => new Date()): void {
  registerScrapeGauge(metrics, {
    name: 'hub_referrals_overdue',
    help: 'Referrals waiting past their acknowledgement or decision deadline now, by stage.',
    labelNames: ['stage'],
    read: async () => {
      const counts = await countOverdueReferrals(db, now());
      return [
        { labels: { stage: 'acknowledgement' }, value: counts.acknowledgement },
        { labels: { stage: 'decision' }, value: counts.decision },
      ];
    },
  });
}
