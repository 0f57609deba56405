/**
 * E-mail action links without a browser: the pages say what will happen and
 * nothing about the child, the title carries neither the token nor the
 * code, the decline form offers the catalogue's reasons in the page's
 * language; the history names the channel; the budgets count in a real
 * Redis, per key, and a link's token is never a Redis key.
 */
import { randomBytes } from 'node:crypto';
import { DECLINE_REASONS } from '@referral-hub/contracts';
import { createLogger, createRedisRateLimitStore } from '@referral-hub/platform';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionLinkReferral, HistoryEntry } from '../src/api.js';
import type { PageContext } from '../src/html.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { LANGUAGES, translator } from '../src/i18n.js';
import { historyBy } from '../src/pages.js';
import { rateLimits, secretKey } from '../src/rate-limit.js';
import { actionLinkEndPage, actionLinkPage, actionLinkTooManyPage } from '../src/views/action-links.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `console-test-rate-${randomBytes(4).toString('hex')}:`;
const logger = createLogger({ service: 'console-test', version: '0', level: 'silent' });
const store = createRedisRateLimitStore({ url: REDIS_URL, prefix, logger, commandTimeoutMs: 2_000 });
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });

// The platform's store connects in the background and fails (open) until it has: wait for it.
beforeAll(async () => {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await store.hit('warm-up', 1_000);
      return;
    } catch (error) {
      if (attempt > 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await store.close();
});

const TOKEN = 'AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5';

function context(language: string): PageContext {
  return {
    t: translator(language),
    language,
    languages: LANGUAGES,
    csrf: '',
    path: '/',
    languageLinks: LANGUAGES.map((l) => ({ language: l, href: `/a/${TOKEN}?lang=${l}` })),
  };
}

const referral: ActionLinkReferral = {
  code: 'REF-7K2QD',
  replyCode: '4821',
  status: 'submitted',
  urgency: 'high',
  serviceName: { fr: 'Consultations pédiatriques', en: 'Paediatric consultations' },
  referringOrganizationName: 'Terre des Enfants Burundi',
  recipientOrganizationName: 'Centre de santé Ubuzima',
  dueAt: '2026-12-07T10:00:00.000Z',
};

const titleOf = (page: string) => /<title>([^<]*)<\/title>/.exec(page)?.[1] ?? '';

describe('action link pages', () => {
  it('say in the link’s language what the button will do, with a POST form and the catalogue’s reasons, the title naming neither token nor code', () => {
    const fr = actionLinkPage(context('fr'), { token: TOKEN, action: 'decline', referral, declineReasons: DECLINE_REASONS.map((r) => ({ ...r, labels: { ...r.labels } })) });
    expect(titleOf(fr)).toBe('Refuser un référencement — Console du hub de référencement');
    expect(titleOf(fr)).not.toContain(TOKEN);
    expect(titleOf(fr)).not.toContain(referral.code);
    expect(fr).toContain('<html lang="fr">');
    expect(fr).toContain('vous refusez le référencement REF-7K2QD pour le service «\u00a0Consultations pédiatriques\u00a0», envoyé par Terre des Enfants Burundi');
    expect(fr).toContain(`<form method="post" action="/a/${TOKEN}"`);
    expect(fr).not.toContain('_csrf');
    expect(fr).toContain('Autre motif (à préciser) (note obligatoire)');
    expect(fr.match(/type="radio"/g)).toHaveLength(DECLINE_REASONS.length);
    expect(fr).toContain(`href="/a/${TOKEN}?lang=en"`);

    const en = actionLinkPage(context('en'), { token: TOKEN, action: 'acknowledge', referral, declineReasons: [] });
    expect(en).toContain('Pressing the button acknowledges referral REF-7K2QD for the service “Paediatric consultations”, sent by Terre des Enfants Burundi.');
    expect(en).not.toContain('type="radio"');
    expect(en).toContain('<button type="submit">Acknowledge</button>');
  });

  it('shows a refused decline again with the field named and what was typed kept', () => {
    const page = actionLinkPage(context('fr'), {
      token: TOKEN,
      action: 'decline',
      referral,
      declineReasons: DECLINE_REASONS.map((r) => ({ ...r, labels: { ...r.labels } })),
      error: { field: 'note', message: translator('fr')('actionLink.error.note') },
      chosen: { reasonCode: 'other', note: '' },
    });
    expect(page).toContain('<p class="error" role="alert" id="err-note">Note\u00a0: le motif choisi demande une note, écrivez-la.</p>');
    expect(page).toContain('aria-describedby="err-note"');
    expect(page).toMatch(/id="reason-other"[^>]* checked/);
  });

  it('explains a used, expired, invalid or no longer allowed link and offers sign-in', () => {
    const used = actionLinkEndPage(context('fr'), 'used', null, null);
    expect(used).toContain('Ce lien a déjà servi');
    expect(used).toContain('href="/login"');
    expect(actionLinkEndPage(context('en'), 'expired', null, null)).toContain('This link has expired');
    expect(actionLinkEndPage(context('fr'), 'invalid', null, null)).toContain('Ce lien n’est pas valable');
    const late = actionLinkEndPage(context('fr'), 'not_allowed', 'acknowledge', { ...referral, status: 'accepted' });
    expect(late).toContain('Le référencement REF-7K2QD est maintenant à l’état «\u00a0Accepté\u00a0»');
    expect(late).toContain('href="/r/REF-7K2QD"');
    const transfer = actionLinkEndPage(context('fr'), 'console_only', 'accept', referral);
    expect(transfer).toContain('Un transfert de dossier s’accepte dans la console');
    expect(transfer).toContain('href="/r/REF-7K2QD"');
    expect(actionLinkEndPage(context('en'), 'console_only', 'accept', referral)).toContain('Nothing was changed.');
    const done = actionLinkEndPage(context('en'), 'done', 'accept', referral);
    expect(done).toContain('You accepted referral REF-7K2QD.');
    expect(done).toContain('The organisation that sent it is being told.');
    expect(actionLinkTooManyPage(context('fr'), 125)).toContain('Réessayez dans 3 minutes.');
  });
});

describe('history channel', () => {
  const entry = (channel: HistoryEntry['channel'], actorFocalPointId: string | null): HistoryEntry => ({
    id: '5f0c1d2e-3b4a-4c5d-8e6f-708192a3b4c5',
    action: 'acknowledge',
    fromStatus: 'submitted',
    toStatus: 'acknowledged',
    actor: { userId: 'focal-point:x', organizationId: '5f0c1d2e-3b4a-4c5d-8e6f-708192a3b4c6' },
    channel,
    actorFocalPointId,
    reasonCode: null,
    note: null,
    suggestedServiceId: null,
    fieldKeys: [],
    consentIds: [],
    occurredAt: '2026-12-06T10:00:00.000Z',
  });
  it('names the channel and the focal point of a step taken from a phone or a link, and nothing for the console', () => {
    const fp = '5f0c1d2e-3b4a-4c5d-8e6f-708192a3b4c7';
    expect(historyBy(translator('fr'), entry('email_link', fp))).toBe(' — point focal, par lien e-mail');
    expect(historyBy(translator('fr'), entry('sms', fp))).toBe(' — point focal, par SMS');
    expect(historyBy(translator('en'), entry('ussd', fp))).toBe(' — focal point, by USSD');
    expect(historyBy(translator('en'), entry('api', null))).toBe('');
  });
});

describe('action link budgets', () => {
  it('are 20 per link and 120 per address in 10 minutes unless configured, and refuse a bad value naming it', () => {
    const base = { OIDC_ISSUER: 'http://127.0.0.1:9', OIDC_CLIENT_ID: 'console', OIDC_CLIENT_SECRET: 'secret' };
    expect(loadConfig(base).actionLinkLimits).toEqual({ perToken: 20, perAddress: 120, windowSeconds: 600 });
    expect(loadConfig({ ...base, ACTION_LINK_LIMIT_PER_TOKEN: '5', ACTION_LINK_LIMIT_PER_ADDRESS: '50', ACTION_LINK_LIMIT_WINDOW_SECONDS: '60' }).actionLinkLimits).toEqual({ perToken: 5, perAddress: 50, windowSeconds: 60 });
    expect(() => loadConfig({ ...base, ACTION_LINK_LIMIT_PER_TOKEN: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ACTION_LINK_LIMIT_PER_TOKEN: '0' })).toThrow(/ACTION_LINK_LIMIT_PER_TOKEN/);
  });

  it('refuses past the limit of any budget, per key, and counts a token by its digest', async () => {
    const limits = rateLimits(store, logger);
    const perLink = { name: 'link', limit: 3, windowSeconds: 60 };
    const perAddress = { name: 'address', limit: 5, windowSeconds: 60 };
    const hit = (token: string) => limits.hit([
      { budget: perLink, key: secretKey(token) },
      { budget: perAddress, key: '192.0.2.1' },
    ]);
    for (let i = 0; i < 3; i += 1) expect(await hit(TOKEN)).toEqual({ allowed: true });
    const refused = await hit(TOKEN);
    expect(refused.allowed).toBe(false);
    expect(refused.allowed === false && refused.budget).toBe('link');
    expect(refused.allowed === false && refused.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused.allowed === false && refused.retryAfterSeconds).toBeLessThanOrEqual(60);
    // Another link from the same address: its own budget, until the address's is spent (4 counted so far, 5 allowed).
    expect(await hit(`${TOKEN}x`)).toEqual({ allowed: true });
    const byAddress = await hit(`${TOKEN}y`);
    expect(byAddress.allowed === false && byAddress.budget).toBe('address');

    const keys = await redis.keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.some((k) => k.includes(TOKEN))).toBe(false);
    expect(keys).toContain(`${prefix}link:${secretKey(TOKEN)}`);
  });
});
