/** Received referrals, in tabs, with counts, filters and paging (overdue first across pages). */
import { isUuid } from '@referral-hub/platform';
import type { ApiClient, ReferralSummary, ReferralSummaryPage, Service } from '../api.js';
import { INBOX_TABS, byUrgencyOfDeadline, formatInboxCursor, isInboxTab, mayBeOverdue, parseInboxCursor, tabCount } from '../inbox-tabs.js';
import type { InboxCursor, InboxTab } from '../inbox-tabs.js';
import { inboxPage } from '../pages.js';
import { isRefusal } from '../web.js';

import type { Web } from '../web.js';

/** The largest page the referrals API gives; a count beyond it reads "more than 200". */
const COUNT_LIMIT = 200;

type ListFilters = { serviceId?: string | undefined; urgency?: string | undefined; statuses: readonly string[] };

function listPath(filters: ListFilters, limit: number, extra: { overdue?: boolean; cursor?: string | undefined } = {}): string {
  const params = new URLSearchParams({ box: 'received', status: filters.statuses.join(','), limit: String(limit) });
  if (filters.serviceId) params.set('serviceId', filters.serviceId);
  if (filters.urgency) params.set('urgency', filters.urgency);
  if (extra.overdue !== undefined) params.set('overdue', String(extra.overdue));
  if (extra.cursor) params.set('cursor', extra.cursor);
  return `/v1/referrals?${params.toString()}`;
}

/**
 * One page of the inbox: the overdue referrals first (the API's `overdue=true`),
 * then the others, each part in the API's own cursor order; the page's cursor
 * says which part it stopped in, so paging walks every referral once.
 */
async function inboxSlice(api: ApiClient, filters: ListFilters, size: number, from: InboxCursor): Promise<{ items: ReferralSummary[]; next: InboxCursor | null }> {
  const items: ReferralSummary[] = [];
  if (from.part === 'overdue') {
    const late = await api.get<ReferralSummaryPage>('referrals', listPath(filters, size, { overdue: true, cursor: from.cursor }));
    items.push(...late.items);
    if (late.nextCursor !== null) return { items, next: { part: 'overdue', cursor: late.nextCursor } };
    if (items.length === size) {
      // The overdue part ends exactly here: a next page only if the rest holds anything.
      const probe = await api.get<ReferralSummaryPage>('referrals', listPath(filters, 1, { overdue: false }));
      return { items, next: probe.items.length === 0 ? null : { part: 'rest' } };
    }
  }
  const restCursor = from.part === 'rest' ? from.cursor : undefined;
  const rest = await api.get<ReferralSummaryPage>('referrals', listPath(filters, size - items.length, { ...(mayBeOverdue(filters.statuses) ? { overdue: false } : {}), cursor: restCursor }));
  items.push(...rest.items);
  return { items, next: rest.nextCursor === null ? null : { part: 'rest', cursor: rest.nextCursor } };
}

export function registerInbox(web: Web): void {
  const { app, config, contextOf, sendPage, redirect, apiOf, signedIn, serviceOf, userOf, now } = web;
  app.get('/inbox', signedIn, (req, res, next) => {
    const handle = async () => {
      const api = apiOf(req, res);
      const tab: InboxTab = isInboxTab(req.query.tab) ? req.query.tab : 'to_acknowledge';
      const pick = (name: string, allowed?: readonly string[]) => {
        const value = req.query[name];
        return typeof value === 'string' && value !== '' && (allowed === undefined || allowed.includes(value)) ? value : undefined;
      };
      const service = pick('service');
      const filters = {
        serviceId: service !== undefined && isUuid(service) ? service.toLowerCase() : undefined,
        urgency: pick('urgency', ['high', 'medium', 'low']),
        status: pick('status', INBOX_TABS[tab]),
      };
      const rawCursor = pick('cursor');
      const cursor = rawCursor === undefined ? undefined : parseInboxCursor(rawCursor);
      const statuses = filters.status ? [filters.status] : INBOX_TABS[tab];
      const from: InboxCursor = cursor ?? (mayBeOverdue(statuses) ? { part: 'overdue' } : { part: 'rest' });
      const firstPage = async () => {
        const params = new URLSearchParams(Object.entries({ tab, service: filters.serviceId, urgency: filters.urgency, status: filters.status }).filter((e): e is [string, string] => e[1] !== undefined));
        await redirect(res, `/inbox?${params.toString()}`);
      };
      // A cursor the console did not write (edited, or from before a change): the first page, same filters.
      if (rawCursor !== undefined && cursor === undefined) {
        await firstPage();
        return;
      }
      const tabs = Object.keys(INBOX_TABS).filter(isInboxTab);
      const organizationId = userOf(res).organizationId;
      const [page, ownServices, ...countPages] = await Promise.all([
        inboxSlice(api, { serviceId: filters.serviceId, urgency: filters.urgency, statuses }, config.inboxPageSize, from).catch((failure: unknown) => {
          if (cursor !== undefined && isRefusal(failure)) return null;
          throw failure;
        }),
        // Every service of the organisation can be filtered on, even one with nothing received yet.
        api.get<{ items: Service[] }>('directory', `/v1/services?organizationId=${encodeURIComponent(organizationId)}&limit=100`).then((p) => p.items).catch((): Service[] => []),
        ...tabs.map((t) => api.get<ReferralSummaryPage>('referrals', listPath({ statuses: INBOX_TABS[t] }, COUNT_LIMIT))),
      ]);
      if (page === null) {
        await firstPage();
        return;
      }
      const counts = Object.fromEntries(tabs.map((t, i) => [t, tabCount(countPages[i])])) as Record<InboxTab, { count: number; more: boolean }>;
      const known = new Map<string, Service>(ownServices.map((s) => [s.id, s]));
      const ids = new Set<string>(page.items.map((i) => i.recipientServiceId));
      await Promise.all(
        [...ids].filter((id) => !known.has(id)).map(async (id) => {
          const found = await serviceOf(api, id);
          if (found !== undefined) known.set(id, found);
        }),
      );
      // Overdue referrals already lead the page; within the page, the most overdue and the nearest deadlines first.
      const items = byUrgencyOfDeadline(page.items, now());
      await sendPage(
        res,
        200,
        inboxPage(contextOf(req, res), {
          tab,
          counts,
          items,
          services: known,
          filters,
          nextCursor: page.next === null ? null : formatInboxCursor(page.next),
          firstPage: cursor !== undefined,
          now: now(),
        }),
      );
    };
    handle().catch(next);
  });
}
