import type { Outbox } from '@referral-hub/platform';
import type { DeadlinesByUrgency } from '../config.js';
import type pg from 'pg';
import type { ReferralsDatabase } from '../data-access/database.js';
import type { AccessLogWriter } from '../data-access/referral-read.js';
import type { ConsentGateway } from '../gateways/consent-client.js';
import type { ActionLinkTokens } from './action-link-token.js';
import type { PayloadCipher } from './payload-cipher.js';

/** What the referral use cases are built from. */
export type ReferralDeps = {
  db: ReferralsDatabase;
  /** The service's pool, for the few hot statements written without the ORM (the recipient read). */
  pool: pg.Pool;
  /** Writes the access log's rows (reads from outside the referring organisation). */
  accessLog: AccessLogWriter;
  /** Publishes the service's events (`outbox.publish`, or `outbox.row` for a one-statement write). */
  outbox: Outbox;
  cipher: PayloadCipher;
  consent: ConsentGateway;
  deadlines: { acknowledge: DeadlinesByUrgency; decide: DeadlinesByUrgency; escalate: DeadlinesByUrgency };
  /** How long `order=asc` lists hold back the newest changes (see `REFERRAL_POLL_SETTLE_MS`). */
  pollSettleMs: number;
  /** Who may read notification contexts: client ids (`NOTIFICATION_CLIENT_SUBJECTS`) of the hub's organisation (`HUB_ORGANIZATION_ID`, null: nobody). */
  notificationClients: { clientIds: readonly string[]; organizationId: string | null };
  /** Signs and reads email action links (`ACTION_LINK_KEYS`, `ACTION_LINK_TTL_SECONDS`). */
  actionLinks: ActionLinkTokens;
  /** The clock; tests move it. */
  now: () => Date;
};
