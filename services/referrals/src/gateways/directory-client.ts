import type { DirectoryApi } from '@referral-hub/contracts';
import { createServiceCall } from '@referral-hub/platform';
import type { ServiceCallOptions } from '@referral-hub/platform';

export type DirectoryOrganization = DirectoryApi.components['schemas']['Organization'];
export type DirectoryService = DirectoryApi.components['schemas']['Service'];
export type DirectoryFocalPoint = DirectoryApi.components['schemas']['FocalPoint'];

/** The directory's API as the referrals read model uses it: details the events do not carry. */
export type DirectoryGateway = {
  /** @throws UpstreamUnavailableError */
  getOrganization(organizationId: string): Promise<DirectoryOrganization>;
  /** The focal points of the organisation and of its services. @throws UpstreamUnavailableError */
  listFocalPoints(organizationId: string): Promise<DirectoryFocalPoint[]>;
  /** @throws UpstreamUnavailableError */
  getService(serviceId: string): Promise<DirectoryService>;
};

/**
 * `GET {DIRECTORY_URL}/v1/...` with this service's own machine token (client
 * credentials, `system` role, the same provider as for consent) and a time
 * limit, carrying the request id when there is one.
 */
export function createDirectoryClient(options: ServiceCallOptions): DirectoryGateway {
  const get = createServiceCall('the directory', options);
  return {
    getOrganization: (id) => get<DirectoryOrganization>(`/v1/organizations/${encodeURIComponent(id)}`),
    listFocalPoints: async (id) =>
      (await get<{ items: DirectoryFocalPoint[] }>(`/v1/organizations/${encodeURIComponent(id)}/focal-points`)).items,
    getService: (id) => get<DirectoryService>(`/v1/services/${encodeURIComponent(id)}`),
  };
}
