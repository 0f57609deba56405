/**
 * The console's pages, as the page-weight benchmark and the screenshots
 * visit them: one list, in order, each page with who opens it and its path
 * built from the demo case set up for the run. A page added later is one
 * more entry here; an `optional` page that answers 404 (not built yet) is
 * skipped with a note rather than failing the run.
 */
import { DEMO_PEOPLE } from '../../../scripts/demo/case.js';
import type { DemoPersonKey } from '../../../scripts/demo/case.js';
import { DEMO_COORDINATOR } from '../../../scripts/demo/network.js';

/** Who has the page open: nobody (signed out), one of the demo case's people, or the network's coordinator. */
export type Visitor = 'signedOut' | DemoPersonKey | 'coordinator';

/** What the run set up, for paths that name something: the demo case and its referrals, a service of the directory. */
export type PageFacts = {
  caseCode: string;
  /** The referral to the clinic, which the clinic's focal point opens. */
  referralId: string;
  referralCode: string;
  /** The clinic's service the referral went to. */
  serviceId: string;
  /**
   * The token of the decline link in the clinic focal point's e-mail about
   * that referral (an e-mail action link, `/a/{token}`), when the e-mail
   * carried one; without it the page is skipped.
   */
  declineLinkToken?: string;
};

export type ConsolePage = {
  /** Stable and file-name safe: the screenshots are named after it. */
  id: string;
  /** How the tables name it. */
  label: string;
  visitor: Visitor;
  path: (facts: PageFacts) => string;
  /** Skipped with a note when it answers 404 (an area not built yet). */
  optional?: boolean;
  /** One of the main pages, shown in the README's screenshots. */
  screenshot?: boolean;
};

const segment = encodeURIComponent;

export const CONSOLE_PAGES: readonly ConsolePage[] = [
  { id: 'home', label: 'Home (signed out)', visitor: 'signedOut', path: () => '/', screenshot: true },
  { id: 'dev-login', label: 'Dev login (identity)', visitor: 'signedOut', path: () => '/login?returnTo=%2Finbox', screenshot: true },
  { id: 'inbox-to-acknowledge', label: 'Inbox: to acknowledge', visitor: 'clinicFocalPoint', path: () => '/inbox?tab=to_acknowledge', screenshot: true },
  { id: 'inbox-to-decide', label: 'Inbox: to decide', visitor: 'clinicFocalPoint', path: () => '/inbox?tab=to_decide' },
  { id: 'inbox-in-progress', label: 'Inbox: in progress', visitor: 'clinicFocalPoint', path: () => '/inbox?tab=in_progress' },
  { id: 'inbox-closed', label: 'Inbox: closed', visitor: 'clinicFocalPoint', path: () => '/inbox?tab=closed' },
  { id: 'referral', label: 'Referral (received)', visitor: 'clinicFocalPoint', path: (f) => `/referrals/${segment(f.referralId)}`, screenshot: true },
  { id: 'link', label: 'Link /r/{code}', visitor: 'clinicFocalPoint', path: (f) => `/r/${segment(f.referralCode)}` },
  // Opened signed out, as from the e-mail; opening it changes nothing (only its button does).
  { id: 'action-link-decline', label: 'E-mail link: decline', visitor: 'signedOut', path: (f) => `/a/${segment(f.declineLinkToken ?? 'none')}`, optional: true, screenshot: true },
  { id: 'preferences', label: 'My notifications', visitor: 'clinicFocalPoint', path: () => '/preferences', screenshot: true },
  { id: 'directory', label: 'Directory search', visitor: 'clinicFocalPoint', path: () => '/directory?q=consultations', screenshot: true },
  { id: 'directory-service', label: 'Directory: a service', visitor: 'clinicFocalPoint', path: (f) => `/directory/services/${segment(f.serviceId)}`, screenshot: true },
  { id: 'sent', label: 'Sent referrals', visitor: 'lead', path: () => '/sent', optional: true, screenshot: true },
  { id: 'cases', label: 'Cases', visitor: 'lead', path: () => '/cases', optional: true },
  { id: 'case', label: 'A case (consents)', visitor: 'lead', path: (f) => `/cases/${segment(f.caseCode)}`, optional: true, screenshot: true },
  { id: 'new-referral', label: 'New referral', visitor: 'lead', path: () => '/new-referral', optional: true, screenshot: true },
  { id: 'supervision', label: 'Supervision', visitor: 'supervisor', path: () => '/supervision', optional: true, screenshot: true },
  { id: 'agreements', label: 'Agreements', visitor: 'coordinator', path: () => '/agreements', optional: true },
  { id: 'network', label: 'Network', visitor: 'coordinator', path: () => '/network', optional: true, screenshot: true },
  { id: 'indicators', label: 'Indicators', visitor: 'coordinator', path: () => '/indicators', optional: true, screenshot: true },
];

/** The name of a visitor's button on the development identity's login page. */
export function loginNameOf(visitor: Exclude<Visitor, 'signedOut'>): string {
  return visitor === 'coordinator' ? DEMO_COORDINATOR.name : DEMO_PEOPLE[visitor].name;
}

/** The pages grouped by visitor, each group in the list's order, so that each person signs in once. */
export function byVisitor(pages: readonly ConsolePage[]): [Visitor, ConsolePage[]][] {
  const groups = new Map<Visitor, ConsolePage[]>();
  for (const page of pages) groups.set(page.visitor, [...(groups.get(page.visitor) ?? []), page]);
  return [...groups];
}

/** `--only=id,id` on the command line narrows a run to those pages. */
export function selectedPages(argv: readonly string[], pages: readonly ConsolePage[] = CONSOLE_PAGES): ConsolePage[] {
  const only = argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
  if (only === undefined || only === '') return [...pages];
  const ids = new Set(only.split(','));
  const unknown = [...ids].filter((id) => !pages.some((page) => page.id === id));
  if (unknown.length > 0) throw new Error(`unknown page id(s): ${unknown.join(', ')} (known: ${pages.map((p) => p.id).join(', ')})`);
  return pages.filter((page) => ids.has(page.id));
}
