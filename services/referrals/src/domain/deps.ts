import type { Outbox } from '@referral-hub/platform';
import type { DeadlinesByUrgency } from '../config.js';
import type { ReferralsDatabase } from '../data-access/database.js';
import type { ConsentGateway } from '../gateways/consent-client.js';
import type { PayloadCipher } from './payload-cipher.js';

/** What the referral use cases are built from. */
export type ReferralDeps = {
  db: ReferralsDatabase;
  outbox: Outbox;
  cipher: PayloadCipher;
  consent: ConsentGateway;
  deadlines: { acknowledge: DeadlinesByUrgency; decide: DeadlinesByUrgency };
  /** How long `order=asc` lists hold back the newest changes (see `REFERRAL_POLL_SETTLE_MS`). */
  pollSettleMs: number;
  /** Token subjects of the machine clients that may read notification contexts (`NOTIFICATION_CLIENT_SUBJECTS`). */
  notificationClients: readonly string[];
  /** The clock; tests move it. */
  now: () => Date;
};

/** The `source` of every event this service publishes. */
export const REFERRALS_SOURCE = '/services/referrals';
