/** Received referrals, in tabs, with counts, filters and paging. */
import type { ReferralSummary, ReferralSummaryPage, Service } from '../api.js';
import { INBOX_TABS, byUrgencyOfDeadline, isInboxTab } from '../inbox-tabs.js';
import type { InboxTab } from '../inbox-tabs.js';
import { inboxPage } from '../pages.js';
import { UUID } from '../web.js';

import type { Web } from '../web.js';

export function registerInbox(web: Web): void {
  const { app, contextOf, sendPage, apiOf, signedIn, serviceOf, now } = web;
  app.get('/inbox', signedIn, (req, res, next) => {
    const handle = async () => {
      const api = apiOf(req, res);
      const tab: InboxTab = isInboxTab(req.query.tab) ? req.query.tab : 'to_acknowledge';
      const pick = (name: string, allowed?: readonly string[]) => {
        const value = req.query[name];
        return typeof value === 'string' && value !== '' && (allowed === undefined || allowed.includes(value)) ? value : undefined;
      };
      const filters = {
        serviceId: pick('service')?.match(UUID) ? pick('service') : undefined,
        urgency: pick('urgency', ['high', 'medium', 'low']),
        status: pick('status', INBOX_TABS[tab]),
      };
      const cursor = pick('cursor');
      const listPath = (statuses: readonly string[], limit: number, withFilters: boolean, pageCursor?: string) => {
        const params = new URLSearchParams({ box: 'received', status: statuses.join(','), limit: String(limit) });
        if (withFilters && filters.serviceId) params.set('serviceId', filters.serviceId);
        if (withFilters && filters.urgency) params.set('urgency', filters.urgency);
        if (pageCursor) params.set('cursor', pageCursor);
        return `/v1/referrals?${params.toString()}`;
      };
      const tabs = Object.keys(INBOX_TABS) as InboxTab[];
      const [page, ...countPages] = await Promise.all([
        api.get<ReferralSummaryPage>('referrals', listPath(filters.status ? [filters.status] : INBOX_TABS[tab], 50, true, cursor)),
        ...tabs.map((t) => api.get<ReferralSummaryPage>('referrals', listPath(INBOX_TABS[t], 200, false))),
      ]);
      const counts = Object.fromEntries(tabs.map((t, i) => [t, { count: countPages[i]?.items.length ?? 0, more: (countPages[i]?.nextCursor ?? null) !== null }])) as Record<
        InboxTab,
        { count: number; more: boolean }
      >;
      const known = new Map<string, Service>();
      const ids = new Set<string>([...countPages.flatMap((p) => p.items.map((i) => i.recipientServiceId)), ...(page?.items ?? []).map((i) => i.recipientServiceId)]);
      await Promise.all(
        [...ids].map(async (id) => {
          const service = await serviceOf(api, id);
          if (service !== undefined) known.set(id, service);
        }),
      );
      const items: ReferralSummary[] = byUrgencyOfDeadline(page?.items ?? [], now());
      await sendPage(res, 200, inboxPage(contextOf(req, res), { tab, counts, items, services: known, filters, nextCursor: page?.nextCursor ?? null, now: now() }));
    };
    handle().catch(next);
  });

}
