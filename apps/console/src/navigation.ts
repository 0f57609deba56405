import { offers } from './access.js';
import type { Action } from './access.js';

/**
 * The console's navigation: each entry shows to those the console's policy
 * offers its action (`access.ts`; none: everyone signed in). Showing a link is
 * a courtesy; the services alone decide what a person may do.
 */
export type NavigationEntry = { href: string; label: string; action?: Action };

export const NAVIGATION: readonly NavigationEntry[] = [
  { href: '/inbox', label: 'nav.inbox' },
  { href: '/sent', label: 'nav.sent', action: 'referrals.followSent' },
  { href: '/new-referral', label: 'nav.newReferral', action: 'referral.create' },
  { href: '/cases', label: 'nav.cases', action: 'cases.read' },
  { href: '/directory', label: 'nav.directory' },
  { href: '/network', label: 'nav.network', action: 'network.manage' },
  { href: '/supervision', label: 'nav.supervision', action: 'supervision.read' },
  { href: '/agreements', label: 'nav.agreements', action: 'agreements.read' },
  { href: '/indicators', label: 'nav.indicators', action: 'indicators.read' },
  { href: '/preferences', label: 'nav.preferences' },
];

export function navigationFor(roles: readonly string[]): NavigationEntry[] {
  return NAVIGATION.filter((entry) => entry.action === undefined || offers({ roles }, entry.action));
}
