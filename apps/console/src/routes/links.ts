/** Links from e-mail and SMS: `/r/REF-XXXXX`. */
import type { ReferralSummaryPage } from '../api.js';

const REFERRAL_CODE = /^REF-[0-9A-Z]{5}$/;
/** How many pages of each box a `/r/{code}` link looks through. */
const CODE_SEARCH_PAGES = 10;

import type { Web } from '../web.js';

export function registerLinks(web: Web): void {
  const { app, redirect, apiOf, signedIn, notYours } = web;
  /** Links from e-mail and SMS: `/r/REF-XXXXX` lands on the referral, once signed in. */
  app.get('/r/:code', signedIn, (req, res, next) => {
    const code = String(req.params.code).toUpperCase();
    const handle = async () => {
      if (!REFERRAL_CODE.test(code)) {
        await notYours(req, res);
        return;
      }
      const api = apiOf(req, res);
      for (const box of ['received', 'sent']) {
        let cursor: string | null = null;
        for (let page = 0; page < CODE_SEARCH_PAGES; page += 1) {
          const params = new URLSearchParams({ box, limit: '200' });
          if (cursor !== null) params.set('cursor', cursor);
          const found: ReferralSummaryPage = await api.get<ReferralSummaryPage>('referrals', `/v1/referrals?${params.toString()}`);
          const match = found.items.find((item) => item.code === code);
          if (match !== undefined) {
            await redirect(res, `/referrals/${match.id}`);
            return;
          }
          cursor = found.nextCursor ?? null;
          if (cursor === null) break;
        }
      }
      await notYours(req, res);
    };
    handle().catch(next);
  });

}
