/**
 * The console's navigation: each entry shows to the roles it serves (none
 * listed: everyone signed in). Showing a link is a courtesy; the services
 * alone decide what a person may do.
 */
export type NavigationEntry = { href: string; label: string; roles?: readonly string[] };

export const NAVIGATION: readonly NavigationEntry[] = [
  { href: '/inbox', label: 'nav.inbox' },
  { href: '/sent', label: 'nav.sent', roles: ['caseworker', 'supervisor'] },
  { href: '/new-referral', label: 'nav.newReferral', roles: ['caseworker', 'supervisor'] },
  { href: '/cases', label: 'nav.cases', roles: ['caseworker', 'supervisor'] },
  { href: '/directory', label: 'nav.directory' },
  { href: '/network', label: 'nav.network', roles: ['network_coordinator', 'org_admin'] },
  { href: '/supervision', label: 'nav.supervision', roles: ['supervisor'] },
  { href: '/agreements', label: 'nav.agreements', roles: ['network_coordinator', 'org_admin', 'supervisor', 'caseworker', 'focal_point'] },
  { href: '/indicators', label: 'nav.indicators', roles: ['network_coordinator', 'supervisor'] },
  { href: '/preferences', label: 'nav.preferences' },
];

export function navigationFor(roles: readonly string[]): NavigationEntry[] {
  return NAVIGATION.filter((entry) => entry.roles === undefined || entry.roles.some((role) => roles.includes(role)));
}
