import { notFound, unprocessable } from '@referral-hub/platform';
import type { IdempotentAttempt, Outbox, Principal } from '@referral-hub/platform';
import type { DirectoryDatabase } from '../data-access/database.js';
import { findFocalPoint, insertFocalPoint } from '../data-access/focal-points.js';
import { lockOrganization } from '../data-access/organizations.js';
import { findService } from '../data-access/services.js';
import { ownedBy, requireAccess } from './access.js';
import { focalPointChanged } from './focal-point-changes.js';
import { committedEarlier, FIRST_RUN, newRowId } from './resume-after-crash.js';
import { toFocalPoint } from './views.js';
import type { FocalPoint, NewFocalPoint } from './views.js';

/**
 * Names a referral focal point of an organisation or of one of its services. *
 * Under an `Idempotency-Key`, the new row's id is the key's claim id: a retry resuming a run that
 * crashed after its commit answers the row that committed (as it is now), never a second one.
 */
export async function createFocalPoint(
  deps: { db: DirectoryDatabase; outbox: Outbox },
  principal: Principal,
  organizationId: string,
  input: NewFocalPoint,
  attempt: IdempotentAttempt = FIRST_RUN,
): Promise<FocalPoint> {
  return deps.db.transaction(async (tx) => {
    const organization = await lockOrganization(tx, organizationId);
    if (organization === null) throw notFound('No organisation has this id.');
    requireAccess(principal, 'focalPoint.create', ownedBy(principal, organization.id));
    const earlier = await committedEarlier(attempt, (id) => findFocalPoint(tx, id));
    if (earlier !== null && earlier.organizationId === organizationId) return toFocalPoint(earlier);
    if (input.serviceId !== null && input.serviceId !== undefined) {
      const service = await findService(tx, input.serviceId);
      if (service?.organizationId !== organizationId) {
        throw unprocessable('The service is not one of this organisation.', [
          { field: 'body.serviceId', message: 'is not a service of this organisation', code: 'unknown_service' },
        ]);
      }
    }
    const row = await insertFocalPoint(tx, {
      id: newRowId(attempt),
      organizationId,
      serviceId: input.serviceId ?? null,
      name: input.name,
      title: input.title ?? null,
      email: input.email ?? null,
      phone: input.phone ?? null,
      languages: input.languages ?? [],
      notificationLanguage: input.notificationLanguage ?? 'fr',
    });
    await focalPointChanged(tx, deps.outbox, principal, row, 'created', Object.keys(input).sort());
    return toFocalPoint(row);
  });
}
