/** The referrals the person's organisation sent, in tabs, with counts, filters and paging. */
import { isUuid } from '@referral-hub/platform';
import type { KnownOrganization, ReferralSummaryPage, Service } from '../api.js';
import { byUrgencyOfDeadline } from '../inbox-tabs.js';
import { SENT_TABS, isSentTab, sentPage } from '../views/sent.js';
import type { SentTab } from '../views/sent.js';

import type { Web } from '../web.js';

export function registerSent(web: Web): void {
  const { app, contextOf, sendPage, apiOf, signedIn, serviceOf, now } = web;
  app.get('/sent', signedIn, (req, res, next) => {
    const handle = async () => {
      const api = apiOf(req, res);
      const tab: SentTab = isSentTab(req.query.tab) ? req.query.tab : 'waiting';
      const pick = (name: string, allowed?: readonly string[]) => {
        const value = req.query[name];
        return typeof value === 'string' && value !== '' && (allowed === undefined || allowed.includes(value)) ? value : undefined;
      };
      const service = pick('service');
      const filters = {
        serviceId: service !== undefined && isUuid(service) ? service : undefined,
        urgency: pick('urgency', ['high', 'medium', 'low']),
        status: pick('status', SENT_TABS[tab]),
      };
      const cursor = pick('cursor');
      const listPath = (statuses: readonly string[], limit: number, withFilters: boolean, pageCursor?: string) => {
        const params = new URLSearchParams({ box: 'sent', status: statuses.join(','), limit: String(limit) });
        if (withFilters && filters.serviceId) params.set('serviceId', filters.serviceId);
        if (withFilters && filters.urgency) params.set('urgency', filters.urgency);
        if (pageCursor) params.set('cursor', pageCursor);
        return `/v1/referrals?${params.toString()}`;
      };
      const tabs = Object.keys(SENT_TABS) as SentTab[];
      // Counts are of the whole tab (filters narrow the list only), as in the inbox.
      const [page, ...countPages] = await Promise.all([
        api.get<ReferralSummaryPage>('referrals', listPath(filters.status ? [filters.status] : SENT_TABS[tab], 50, true, cursor)),
        ...tabs.map((t) => api.get<ReferralSummaryPage>('referrals', listPath(SENT_TABS[t], 200, false))),
      ]);
      const counts = Object.fromEntries(tabs.map((t, i) => [t, { count: countPages[i]?.items.length ?? 0, more: (countPages[i]?.nextCursor ?? null) !== null }])) as Record<
        SentTab,
        { count: number; more: boolean }
      >;
      const all = [...countPages.flatMap((p) => p.items), ...page.items];
      const services = new Map<string, Service>();
      const organizations = new Map<string, string>();
      await Promise.all([
        ...[...new Set(all.map((i) => i.recipientServiceId))].map(async (id) => {
          const found = await serviceOf(api, id);
          if (found !== undefined) services.set(id, found);
        }),
        ...[...new Set(page.items.map((i) => i.recipientOrganizationId))].map(async (id) => {
          const known = await api.get<KnownOrganization>('referrals', `/v1/known-organizations/${id}`).catch(() => undefined);
          if (known?.name) organizations.set(id, known.name);
        }),
      ]);
      const items = byUrgencyOfDeadline(page.items, now());
      await sendPage(res, 200, sentPage(contextOf(req, res), { tab, counts, items, services, organizations, filters, nextCursor: page.nextCursor ?? null, now: now() }));
    };
    handle().catch(next);
  });
}
