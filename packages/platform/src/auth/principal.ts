/** Every role the hub knows. Roles in a token that are not listed here are ignored. */
export const ROLES = ['caseworker', 'supervisor', 'focal_point', 'org_admin', 'network_coordinator', 'system'] as const;

export type Role = (typeof ROLES)[number];

export const LOCALES = ['fr', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/** Who is calling, as established from a verified token. */
export type Principal = {
  /** The token's `sub`. */
  userId: string;
  /** The caller's organisation (claim `org`, a UUID). */
  organizationId: string;
  /** Known roles from claim `roles`. */
  roles: Role[];
  name?: string;
  email?: string;
  /** Claim `phone_number`. */
  phoneNumber?: string;
  /** Preferred language from claim `locale` (`fr-CA` counts as `fr`). */
  locale?: Locale;
  /** The caller's supervisor (claim `supervisor_sub`). */
  supervisorUserId?: string;
  /** The token's `jti`. */
  tokenId?: string;
  /**
   * The OAuth client the token was issued to (claim `client_id`, RFC 9068): how a machine client
   * is identified, rather than by `sub` alone (absent from most user tokens).
   */
  clientId?: string;
};

/** Narrows a string to a known role. */
export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when the principal holds at least one of `roles`. */
export function hasRole(principal: Pick<Principal, 'roles'>, ...roles: readonly Role[]): boolean {
  return roles.some((role) => principal.roles.includes(role));
}
