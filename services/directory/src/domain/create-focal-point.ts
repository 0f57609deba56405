import { randomUUID } from 'node:crypto';
import { notFound, unprocessable } from '@referral-hub/platform';
import type { Outbox, Principal } from '@referral-hub/platform';
import type { DirectoryDatabase } from '../data-access/database.js';
import { insertFocalPoint } from '../data-access/focal-points.js';
import { lockOrganization } from '../data-access/organizations.js';
import { findService } from '../data-access/services.js';
import { authorize } from './access.js';
import { focalPointChanged } from './focal-point-changes.js';
import { toFocalPoint } from './views.js';
import type { FocalPoint, NewFocalPoint } from './views.js';

/** Names a referral focal point of an organisation or of one of its services. */
export async function createFocalPoint(
  deps: { db: DirectoryDatabase; outbox: Outbox },
  principal: Principal,
  organizationId: string,
  input: NewFocalPoint,
): Promise<FocalPoint> {
  return deps.db.transaction(async (tx) => {
    const organization = await lockOrganization(tx, organizationId);
    if (organization === null) throw notFound('No organisation has this id.');
    authorize(principal, 'focalPoint.create', organization.id);
    if (input.serviceId !== null && input.serviceId !== undefined) {
      const service = await findService(tx, input.serviceId);
      if (service?.organizationId !== organizationId) {
        throw unprocessable('The service is not one of this organisation.', [
          { field: 'body.serviceId', message: 'is not a service of this organisation', code: 'unknown_service' },
        ]);
      }
    }
    const row = await insertFocalPoint(tx, {
      id: randomUUID(),
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
