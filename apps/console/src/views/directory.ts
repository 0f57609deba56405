/** The directory's pages: the search with all the directory's filters, and a service. */
import type { AdminArea, FieldError, FocalPoint, Service, TaxonomyTerm } from '../api.js';
import { html, layout } from '../html.js';
import type { Html, PageContext } from '../html.js';
import type { Translate } from '../i18n.js';
import { formatDate, serviceName } from '../pages.js';

/** The filters of `GET /v1/services` the console offers, as the person typed them (the directory decides what is valid). */
export const DIRECTORY_FILTERS = ['q', 'type', 'area', 'age', 'sex', 'language', 'capacity', 'acceptsReferrals', 'near', 'radiusKm'] as const;
export type DirectoryFilter = (typeof DIRECTORY_FILTERS)[number];
export type DirectoryFilters = Record<DirectoryFilter, string>;

export const CAPACITY_STATUSES = ['available', 'waitlist', 'full', 'assessment_required'] as const;
const SEXES = ['female', 'male', 'other'] as const;

/** The filters of a query string: each one trimmed, absent ones empty. */
export function filtersOf(query: Record<string, unknown>): DirectoryFilters {
  const value = (name: string) => {
    const v = query[name];
    return typeof v === 'string' ? v.trim() : '';
  };
  const filters = {} as DirectoryFilters;
  for (const name of DIRECTORY_FILTERS) filters[name] = value(name);
  return filters;
}

/** The directory's query for these filters (only those given). */
export function directoryQuery(filters: DirectoryFilters): URLSearchParams {
  return new URLSearchParams(Object.entries(filters).filter(([, v]) => v !== ''));
}

export type DirectoryView = {
  filters: DirectoryFilters;
  types: readonly TaxonomyTerm[];
  areas: readonly AdminArea[];
  services: readonly Service[];
  nextCursor: string | null;
  /** The directory's refusal of the filters, in its words, and the filters it names. */
  error?: { message: string; fields: readonly FieldError[] };
};

function labelOf(labels: { fr: string; en: string }, language: string): string {
  return language === 'en' ? labels.en : labels.fr;
}

/** The form's label for a filter a problem names (`query.age`, `/query/sex`, `age`…), or the name itself. */
export function filterLabel(t: Translate, field: string): string {
  const name = DIRECTORY_FILTERS.find((f) => new RegExp(`(^|[./])${f}($|[./])`).test(field));
  return name === undefined ? field : t(`directory.${name}`);
}

/** The refusal of a search, in words, each named filter by its label. */
export function refusalBlock(t: Translate, error: DirectoryView['error'], id: string): Html | '' {
  if (error === undefined) return '';
  return html`<div class="error" role="alert" id="${id}"><p>${error.message}</p>${
    error.fields.length === 0 ? '' : html`<ul>${error.fields.map((f) => html`<li>${t('directory.fieldError', { field: filterLabel(t, f.field), message: f.message })}</li>`)}</ul>`
  }</div>`;
}

/**
 * The search form's fields (without the form): words, type, area, the
 * child's age, sex and language, capacity, takes referrals, and distance
 * around a point. Shared by the directory and the new referral's search.
 */
export function filterFields(context: PageContext, view: Pick<DirectoryView, 'filters' | 'types' | 'areas'>, idPrefix = ''): Html {
  const { t, language } = context;
  const f = view.filters;
  const id = (name: string) => `${idPrefix}${name}`;
  const option = (value: string, text: string, selected: string) => html`<option value="${value}"${value === selected ? html` selected` : ''}>${text}</option>`;
  const any = (selected: string) => option('', t('inbox.filter.any'), selected);
  return html`<p><label for="${id('q')}">${t('directory.q')}</label> <input id="${id('q')}" name="q" type="search" maxlength="200" value="${f.q}"></p>
<p><label for="${id('type')}">${t('directory.type')}</label> <select id="${id('type')}" name="type">${any(f.type)}${view.types.map((x) => option(x.code, labelOf(x.labels, language), f.type))}</select></p>
<p><label for="${id('area')}">${t('directory.area')}</label> <select id="${id('area')}" name="area">${any(f.area)}${view.areas.map((a) => option(a.code, labelOf(a.names, language), f.area))}</select></p>
<p><label for="${id('age')}">${t('directory.age')}</label> <input id="${id('age')}" name="age" inputmode="numeric" size="4" maxlength="3" value="${f.age}"></p>
<p><label for="${id('sex')}">${t('directory.sex')}</label> <select id="${id('sex')}" name="sex">${any(f.sex)}${SEXES.map((s) => option(s, t(`directory.sex.${s}`), f.sex))}</select></p>
<p><label for="${id('language')}">${t('directory.language')}</label> <input id="${id('language')}" name="language" size="4" maxlength="3" value="${f.language}" aria-describedby="${id('language-hint')}"> <span class="hint" id="${id('language-hint')}">${t('directory.languageHint')}</span></p>
<p><label for="${id('capacity')}">${t('directory.capacity')}</label> <select id="${id('capacity')}" name="capacity">${any(f.capacity)}${CAPACITY_STATUSES.map((c) => option(c, t(`capacity.${c}`), f.capacity))}</select></p>
<p><label for="${id('acceptsReferrals')}">${t('directory.acceptsReferrals')}</label> <select id="${id('acceptsReferrals')}" name="acceptsReferrals">${any(f.acceptsReferrals)}${option('true', t('directory.yes'), f.acceptsReferrals)}${option('false', t('directory.no'), f.acceptsReferrals)}</select></p>
<fieldset><legend>${t('directory.distance')}</legend>
<p><label for="${id('near')}">${t('directory.near')}</label> <input id="${id('near')}" name="near" maxlength="64" value="${f.near}" aria-describedby="${id('near-hint')}"> <span class="hint" id="${id('near-hint')}">${t('directory.nearHint')}</span></p>
<p><label for="${id('radiusKm')}">${t('directory.radiusKm')}</label> <input id="${id('radiusKm')}" name="radiusKm" inputmode="decimal" size="6" maxlength="8" value="${f.radiusKm}"></p></fieldset>`;
}

/** The directory, read-only: search services with the directory's own filters. */
export function directoryPage(context: PageContext, view: DirectoryView): string {
  const { t, language } = context;
  const next = directoryQuery(view.filters);
  if (view.nextCursor !== null) next.set('cursor', view.nextCursor);
  return layout(
    context,
    t('directory.title'),
    html`<h1>${t('directory.title')}</h1>
<form method="get" action="/directory" class="filters" role="search" aria-label="${t('directory.search')}">
${filterFields(context, view)}
<p><button type="submit">${t('directory.searchButton')}</button></p></form>
${refusalBlock(t, view.error, 'directory-error')}
<h2>${t('directory.results')}</h2>
${
  view.services.length === 0
    ? html`<p>${t('directory.empty')}</p>`
    : html`<ul class="services">${view.services.map(
        (s) => html`<li><a href="/directory/services/${s.id}">${serviceName(s, language)}</a> — ${t(`capacity.${s.capacity.status}`)}${s.acceptsReferrals ? '' : html` — ${t('directory.noReferrals')}`}</li>`,
      )}</ul>`
}
${view.nextCursor === null ? '' : html`<p><a href="/directory?${next.toString()}">${t('inbox.next')}</a></p>`}`,
  );
}

export type ServiceView = { service: Service; focalPoints: readonly FocalPoint[]; types: readonly TaxonomyTerm[]; canRefer: boolean };

export function servicePage(context: PageContext, view: ServiceView): string {
  const { t, language } = context;
  const s = view.service;
  const description = s.description as { fr?: string | null; en?: string | null } | null | undefined;
  const text = (language === 'en' ? (description?.en ?? description?.fr) : (description?.fr ?? description?.en)) ?? '';
  const typeLabel = (code: string) => {
    const term = view.types.find((x) => x.code === code);
    return term === undefined ? code : labelOf(term.labels, language);
  };
  const ours = view.focalPoints.filter((p) => p.serviceId === s.id || p.serviceId === null || p.serviceId === undefined);
  const refer = view.canRefer && s.acceptsReferrals ? html`<p><a class="button" href="/new-referral?serviceId=${s.id}">${t('directory.refer')}</a></p>` : '';
  return layout(
    context,
    t('directory.service'),
    html`<p><a href="/directory">${t('directory.back')}</a></p><h1>${serviceName(s, language)}</h1>
${text === '' ? '' : html`<p>${text}</p>`}
<dl><dt>${t('directory.type')}</dt><dd>${s.types.map(typeLabel).join(', ') || '—'}</dd>
<dt>${t('directory.capacity')}</dt><dd>${t(`capacity.${s.capacity.status}`)} (${formatDate(s.capacity.setAt, language)})${s.capacity.note === null ? '' : html` — ${s.capacity.note}`}</dd>
<dt>${t('directory.acceptsReferrals')}</dt><dd>${s.acceptsReferrals ? t('directory.yes') : t('directory.no')}</dd></dl>
${refer}
<h2>${t('directory.focalPoints')}</h2>
${
  ours.length === 0
    ? html`<p>${t('directory.noFocalPoints')}</p>`
    : html`<ul>${ours.map((p) => html`<li>${p.name}${p.title ? html`, ${p.title}` : ''}${p.email ? html` — <a href="mailto:${p.email}">${p.email}</a>` : ''}${p.phone ? html` — ${p.phone}` : ''}</li>`)}</ul>`
}`,
  );
}
