/** The services of the hub, each with its own OpenAPI document. */
export const SERVICE_NAMES = ['directory', 'consent', 'referrals', 'notifications'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Whether `value` names a service of the hub. */
export function isServiceName(value: unknown): value is ServiceName {
  return typeof value === 'string' && (SERVICE_NAMES as readonly string[]).includes(value);
}
