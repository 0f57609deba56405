/**
 * Server-rendered HTML: a tagged template that escapes every interpolated
 * value unless it is already `Html`, and the page layout (landmarks, skip
 * link, language switcher, one stylesheet, no script).
 */
import type { Translate } from './i18n.js';
import { navigationFor } from './navigation.js';

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Interpolation = Html | string | number | null | undefined | false | readonly Interpolation[];

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map((v: Interpolation) => render(v)).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return new Html(out);
}

export type PageContext = {
  t: Translate;
  language: string;
  languages: readonly string[];
  csrf: string;
  /** The path the page was asked at (for the language switcher to come back to). */
  path: string;
  user?: { name: string; organizationName: string; roles: readonly string[] };
  /** A one-line confirmation shown above the content. */
  flash?: string;
  /**
   * Pages without a session (e-mail action links): the language is chosen by
   * a plain link to the same page in each language instead of the session's
   * switcher form.
   */
  languageLinks?: readonly { language: string; href: string }[];
};

const LANGUAGE_NAMES: Record<string, string> = { fr: 'Français', en: 'English' };

export function csrfField(csrf: string): Html {
  return html`<input type="hidden" name="_csrf" value="${csrf}">`;
}

/** The page's frame. The title never carries case data. */
export function layout(context: PageContext, title: string, main: Html): string {
  const { t } = context;
  const switcher = context.languageLinks !== undefined
    ? context.languageLinks.length === 0
      ? ''
      : html`<nav aria-label="${t('nav.language')}" class="lang"><ul>${context.languageLinks.map((l) => html`<li><a href="${l.href}" hreflang="${l.language}" lang="${l.language}"${l.language === context.language ? html` aria-current="true"` : ''}>${LANGUAGE_NAMES[l.language] ?? l.language}</a></li>`)}</ul></nav>`
    : html`<form method="post" action="/language" class="lang">
<input type="hidden" name="_csrf" value="${context.csrf}"><input type="hidden" name="returnTo" value="${context.path}">
<label for="lang">${t('nav.language')}</label>
<select id="lang" name="language">${context.languages.map((l) => html`<option value="${l}" lang="${l}"${l === context.language ? html` selected` : ''}>${LANGUAGE_NAMES[l] ?? l}</option>`)}</select>
<button type="submit">${t('nav.switch')}</button></form>`;
  const account =
    context.user === undefined
      ? ''
      : html`<p class="who">${context.user.organizationName === '' ? t('nav.signedInAsPerson', { name: context.user.name }) : t('nav.signedInAs', { name: context.user.name, organization: context.user.organizationName })}</p>
<nav aria-label="${t('app.name')}"><ul>${navigationFor(context.user.roles).map((entry) => html`<li><a href="${entry.href}">${t(entry.label)}</a></li>`)}</ul></nav>
<form method="post" action="/logout">${csrfField(context.csrf)}<button type="submit">${t('nav.signOut')}</button></form>`;
  const flash = context.flash === undefined ? '' : html`<p class="flash" role="status">${context.flash}</p>`;
  return `<!doctype html>${html`<html lang="${context.language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} — ${t('app.name')}</title><link rel="stylesheet" href="/static/console.css"></head>
<body><a class="skip" href="#main">${t('nav.skip')}</a>
<header><p class="brand"><a href="/">${t('app.name')}</a></p>${account}${switcher}</header>
<main id="main" tabindex="-1">${flash}${main}</main></body></html>`.value}`;
}
