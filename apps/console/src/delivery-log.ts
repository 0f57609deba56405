/**
 * The delivery log of a referral for its page: what the hub told whom about
 * it, from the notifications service with the person's own token (its access
 * rule decides; another organisation gets an empty list). A role it is not
 * for (403) sees no section; a failure never breaks the page: the log is then
 * only "not available".
 */
import type { Logger } from '@referral-hub/platform';
import { ApiError } from './api.js';
import type { ApiClient, Delivery, Referral } from './api.js';
import type { DeliveryLog } from './views/deliveries.js';

export function deliveryLogOf(api: Pick<ApiClient, 'get'>, logger: Logger, referral: Pick<Referral, 'id' | 'status'>): Promise<DeliveryLog> {
  // A draft was never sent: nothing to ask.
  if (referral.status === 'draft') return Promise.resolve({ items: [], unavailable: false });
  return api
    .get<{ items: Delivery[] }>('notifications', `/v1/referrals/${referral.id}/deliveries`)
    .then((page) => ({ items: page.items, unavailable: false }))
    .catch((failure: unknown) => {
      // A role the log is not for (an administrator of the referring side): no section, as for an empty log.
      if (failure instanceof ApiError && failure.status === 403) return { items: [], unavailable: false };
      logger.warn(
        failure instanceof ApiError
          ? { event: 'delivery_log_unavailable', status: failure.status, code: failure.code }
          : { event: 'delivery_log_unavailable', err: failure instanceof Error ? { message: failure.message } : undefined },
        'delivery log not available: the referral page is shown without it',
      );
      return { items: [], unavailable: true };
    });
}
