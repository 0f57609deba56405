/** My notifications: the signed-in person's channels and language. */
import { ApiError } from '../api.js';
import type { Preferences } from '../api.js';
import { translator } from '../i18n.js';
import { preferencesPage } from '../pages.js';

import type { Web } from '../web.js';

export function registerPreferences(web: Web): void {
  const { app, sessionOf, contextOf, sendPage, redirect, apiOf, signedIn, languageOf } = web;
  /** My notifications: the signed-in person's own channels and language, at the notifications service. */
  app.get('/preferences', signedIn, (req, res, next) => {
    const handle = async () => {
      const preferences = await apiOf(req, res).get<Preferences>('notifications', '/v1/me/preferences');
      await sendPage(res, 200, preferencesPage(contextOf(req, res), { channels: preferences.channels, language: preferences.language, contact: preferences.contact }));
    };
    handle().catch(next);
  });

  app.post('/preferences', signedIn, (req, res, next) => {
    const handle = async () => {
      const form = req.body as Record<string, unknown>;
      const sent = form.channels;
      // The service decides what is valid; the console only passes on what the form holds.
      const channels = (Array.isArray(sent) ? sent : [sent]).filter((c): c is string => typeof c === 'string');
      const language = typeof form.language === 'string' ? form.language : '';
      const api = apiOf(req, res);
      const t = translator(languageOf(req, res));
      try {
        await api.put<Preferences>('notifications', '/v1/me/preferences', { channels, language });
      } catch (failure) {
        if (failure instanceof ApiError && failure.status !== 401 && failure.status < 500) {
          const message = [failure.title, failure.detail].filter((s) => s !== undefined && s !== '').join(' — ') || t('error.generic');
          const stored = await api.get<Preferences>('notifications', '/v1/me/preferences').catch(() => undefined);
          await sendPage(res, failure.status, preferencesPage(contextOf(req, res), { channels, language, contact: stored?.contact, error: { message, fields: failure.errors } }));
          return;
        }
        throw failure;
      }
      sessionOf(res).data.flash = t('preferences.saved');
      await redirect(res, '/preferences');
    };
    handle().catch(next);
  });

}
