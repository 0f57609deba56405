import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { html } from '../src/html.js';
import { languageFromHeader, messageKeys, translator } from '../src/i18n.js';
import { byUrgencyOfDeadline, currentDeadline } from '../src/inbox-tabs.js';
import { receivingActions } from '../src/receiving-actions.js';
import { loadConfig } from '../src/config.js';

describe('console rules', () => {
  it('has every message in every language file, and formats ICU plurals', () => {
    const keys = [...messageKeys().values()];
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const list of keys) expect(list).toEqual(keys[0]);
    expect(translator('fr')('inbox.count', { count: 2 })).toBe('2 référencements');
    expect(translator('en')('inbox.count', { count: 1 })).toBe('1 referral');
  });

  it('names every history action and every status the referrals API can send, in every language', () => {
    const document = JSON.parse(readFileSync(new URL('../../../packages/contracts/generated/referrals.openapi.json', import.meta.url), 'utf8')) as {
      components: { schemas: Record<string, { properties?: Record<string, { enum?: string[] }>; enum?: string[] }> };
    };
    const actions = document.components.schemas.HistoryEntry?.properties?.action?.enum ?? [];
    const statuses = document.components.schemas.ReferralStatus?.enum ?? document.components.schemas.Referral?.properties?.status?.enum ?? [];
    expect(actions).toContain('escalated');
    expect(statuses).toContain('submitted');
    for (const [language, keys] of messageKeys()) {
      const missing = [...actions.map((a) => `action.${a}`), ...statuses.map((s) => `status.${s}`)].filter((key) => !keys.includes(key));
      expect({ language, missing }).toEqual({ language, missing: [] });
    }
  });

  it('picks the language from Accept-Language, French when none is spoken', () => {
    expect(languageFromHeader('en-GB,en;q=0.9,fr;q=0.5')).toBe('en');
    expect(languageFromHeader('de-DE,fr;q=0.4')).toBe('fr');
    expect(languageFromHeader('de-DE')).toBeUndefined();
  });

  it('escapes every value put into a page', () => {
    expect(html`<p>${'<script>alert(1)</script>'}</p>`.value).toBe('<p>&#60;script&#62;alert(1)&#60;/script&#62;</p>');
  });

  it('puts overdue referrals first, then the nearest deadline, then the rest', () => {
    const now = new Date('2026-12-06T12:00:00Z');
    const at = (h: number) => new Date(now.getTime() + h * 3_600_000).toISOString();
    const items = [
      { id: 'later', status: 'submitted', acknowledgeDueAt: at(5), decisionDueAt: at(48), updatedAt: at(-1) },
      { id: 'none', status: 'in_progress', acknowledgeDueAt: null, decisionDueAt: null, updatedAt: at(-1) },
      { id: 'late', status: 'acknowledged', acknowledgeDueAt: at(-30), decisionDueAt: at(-2), updatedAt: at(-3) },
      { id: 'soon', status: 'submitted', acknowledgeDueAt: at(1), decisionDueAt: at(48), updatedAt: at(-1) },
    ];
    expect(byUrgencyOfDeadline(items, now).map((i) => i.id)).toEqual(['late', 'soon', 'later', 'none']);
    expect(currentDeadline({ status: 'acknowledged', acknowledgeDueAt: at(-30), decisionDueAt: at(-2), updatedAt: at(-3) })?.kind).toBe('decision');
  });

  it('offers only the actions valid for the state and the person', () => {
    const org = 'org-1';
    const fp = { organizationId: org, roles: ['focal_point'] };
    const caseworker = { organizationId: org, roles: ['caseworker'] };
    expect(receivingActions({ status: 'submitted', recipientOrganizationId: org }, fp)).toEqual(['acknowledge', 'decline']);
    expect(receivingActions({ status: 'acknowledged', recipientOrganizationId: org }, fp)).toEqual(['accept', 'decline']);
    expect(receivingActions({ status: 'acknowledged', recipientOrganizationId: org }, caseworker)).toEqual([]);
    expect(receivingActions({ status: 'in_progress', recipientOrganizationId: org }, caseworker)).toEqual(['complete', 'not_delivered']);
    expect(receivingActions({ status: 'submitted', recipientOrganizationId: 'other' }, fp)).toEqual([]);
  });

  it('refuses a configuration without its OIDC client, naming the variable', () => {
    expect(() => loadConfig({ OIDC_ISSUER: 'http://127.0.0.1:4400' })).toThrow('OIDC_CLIENT_ID is required');
    const config = loadConfig({ OIDC_ISSUER: 'http://127.0.0.1:4400', OIDC_CLIENT_ID: 'console', OIDC_CLIENT_SECRET: 's' });
    expect(config).toMatchObject({ port: 4300, publicUrl: 'http://127.0.0.1:4300', sessionIdleSeconds: 1800, redisUrl: 'redis://127.0.0.1:6379' });
  });
});
