/**
 * The indicators page: de-identified referral figures as the referrals service computes them
 * (small cells already suppressed there), drawn as inline SVG bar charts, each followed by a
 * table with the same figures for screen readers and for anyone who prefers to read; and the
 * directory's gap report. No script, no style attribute: the charts use SVG presentation
 * attributes and classes of console.css.
 */
import { DECLINE_REASONS, NOT_DELIVERED_REASONS } from '@referral-hub/contracts';
import type { DirectoryApi, ReferralsApi } from '@referral-hub/contracts';
import { html, layout } from '../html.js';
import type { Html, PageContext } from '../html.js';
import type { Translate } from '../i18n.js';
import { catalogueLanguage, labelIn } from '../pages.js';

export type Indicators = ReferralsApi.components['schemas']['Indicators'];
export type IndicatorCell = ReferralsApi.components['schemas']['IndicatorCell'];
type Count = ReferralsApi.components['schemas']['SuppressibleCount'];
type Measure = ReferralsApi.components['schemas']['SuppressibleNumber'];
type Stage = ReferralsApi.components['schemas']['IndicatorStage'];
export type GapReport = DirectoryApi.components['schemas']['GapReport'];
export type TaxonomyTerm = DirectoryApi.components['schemas']['TaxonomyTerm'];
export type AdminArea = DirectoryApi.components['schemas']['AdminArea'];

export type IndicatorFilters = { from: string; to: string; period: string; serviceType: string };

export type IndicatorsPageData = {
  filters: IndicatorFilters;
  indicators?: Indicators;
  /** The service's refusal, in words. */
  error?: string;
  gaps?: GapReport;
  types: TaxonomyTerm[];
  areas: AdminArea[];
  /** The query string of the CSV link (the same filters). */
  csvQuery: string;
};

const URGENCIES = ['high', 'medium', 'low'] as const;
const STATUSES = ['submitted', 'acknowledged', 'accepted', 'in_progress', 'declined', 'completed', 'not_delivered', 'withdrawn'] as const;
/** Gap rows shown on the page; the rest are counted, so the page stays light. */
const MAX_GAP_ROWS = 150;

/** How figures read: a suppressed count is "< 5", a suppressed rate or time is "hidden". */
function formatters(context: PageContext) {
  const { t, language } = context;
  const percent = new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 0 });
  const number = new Intl.NumberFormat(language, { maximumFractionDigits: 1 });
  return {
    count: (c: Count) => (c.suppressed ? t('indicators.small') : c.value === null ? '—' : number.format(c.value)),
    rate: (m: Measure) => (m.suppressed ? t('indicators.hidden') : m.value === null ? '—' : percent.format(m.value)),
    hours: (m: Measure) => (m.suppressed ? t('indicators.hidden') : m.value === null ? '—' : t('indicators.hours', { n: number.format(m.value) })),
  };
}

function periodLabel(start: string, unit: string, language: string, t: Translate): string {
  const date = new Date(`${start}T00:00:00Z`);
  if (unit === 'week') return t('indicators.weekOf', { date: new Intl.DateTimeFormat(language, { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(date) });
  return new Intl.DateTimeFormat(language, { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(date);
}

function typeLabel(code: string | null, types: readonly TaxonomyTerm[], context: PageContext): string {
  if (code === null) return context.t('indicators.allTypes');
  if (code === 'unspecified') return context.t('indicators.unspecified');
  const labels = types.find((term) => term.code === code)?.labels;
  if (labels === undefined) return code;
  return context.language === 'en' ? labels.en : labels.fr;
}

function areaLabel(code: string, areas: readonly AdminArea[], language: string): string {
  const names = areas.find((area) => area.code === code)?.names;
  if (names === undefined) return code;
  return language === 'en' ? names.en : names.fr;
}

type Bar = { label: string; value: number | null; suppressed: boolean; text: string };

/**
 * A vertical bar chart. Suppressed bars are drawn as a short outlined stub marked "< 5" (or
 * "hidden"), never as a height that would tell the value. `max` fixes the scale (1 for rates).
 */
function barChart(id: string, title: string, bars: readonly Bar[], max?: number): Html {
  const step = 44;
  const width = Math.max(bars.length * step + 8, 200);
  const height = 150;
  const base = 120;
  const top = max ?? Math.max(1, ...bars.map((b) => (b.suppressed ? 0 : (b.value ?? 0))));
  return html`<svg class="chart" id="${id}" role="img" aria-labelledby="${id}-title" viewBox="0 0 ${width} ${height}" width="100%" height="${height}" preserveAspectRatio="xMinYMin meet">
<title id="${id}-title">${title}</title>
<line x1="4" y1="${base}" x2="${width - 4}" y2="${base}" class="axis"/>
${bars.map((bar, index) => {
  const x = 8 + index * step;
  const barHeight = bar.suppressed || bar.value === null ? 0 : Math.round(((bar.value ?? 0) / top) * 96);
  const shape = bar.suppressed
    ? html`<rect x="${x}" y="${base - 8}" width="30" height="8" class="bar-suppressed"/>`
    : html`<rect x="${x}" y="${base - barHeight}" width="30" height="${barHeight}" class="bar"/>`;
  return html`<g>${shape}<text x="${x + 15}" y="${base - Math.max(barHeight, 8) - 4}" text-anchor="middle" font-size="11">${bar.text}</text><text x="${x + 15}" y="${base + 14}" text-anchor="middle" font-size="10">${bar.label}</text></g>`;
})}
</svg>`;
}

/** Horizontal bars for shares (0–100 %), one per labelled row. */
function shareChart(id: string, title: string, rows: readonly Bar[]): Html {
  const rowHeight = 22;
  const height = rows.length * rowHeight + 6;
  const labelWidth = 120;
  const barWidth = 180;
  return html`<svg class="chart" id="${id}" role="img" aria-labelledby="${id}-title" viewBox="0 0 ${labelWidth + barWidth + 50} ${height}" width="100%" height="${height}" preserveAspectRatio="xMinYMin meet">
<title id="${id}-title">${title}</title>
${rows.map((row, index) => {
  const y = 4 + index * rowHeight;
  const length = row.suppressed || row.value === null ? 0 : Math.round(row.value * barWidth);
  return html`<g><text x="0" y="${y + 13}" font-size="11">${row.label}</text><rect x="${labelWidth}" y="${y}" width="${barWidth}" height="16" class="track"/>${
    row.suppressed ? html`<rect x="${labelWidth}" y="${y}" width="12" height="16" class="bar-suppressed"/>` : html`<rect x="${labelWidth}" y="${y}" width="${length}" height="16" class="bar"/>`
  }<text x="${labelWidth + barWidth + 4}" y="${y + 13}" font-size="11">${row.text}</text></g>`;
})}
</svg>`;
}

function filtersForm(context: PageContext, data: IndicatorsPageData, serviceTypes: readonly string[]): Html {
  const { t } = context;
  const f = data.filters;
  // Every type of the taxonomy, those the figures name and the one asked for, whatever the figures hold.
  const typeOptions = [...new Set([...data.types.map((term) => term.code), ...serviceTypes, 'unspecified', ...(f.serviceType === '' ? [] : [f.serviceType])])];
  return html`<form method="get" action="/indicators" class="filters"><fieldset><legend>${t('indicators.filters')}</legend>
<div><label for="from">${t('indicators.from')}</label><input type="date" id="from" name="from" value="${f.from}"></div>
<div><label for="to">${t('indicators.to')}</label><input type="date" id="to" name="to" value="${f.to}"></div>
<div><label for="period">${t('indicators.period')}</label><select id="period" name="period">
<option value="month"${f.period !== 'week' ? html` selected` : ''}>${t('indicators.byMonth')}</option>
<option value="week"${f.period === 'week' ? html` selected` : ''}>${t('indicators.byWeek')}</option></select></div>
<div><label for="serviceType">${t('indicators.serviceType')}</label><select id="serviceType" name="serviceType">
<option value="">${t('indicators.allTypes')}</option>
${typeOptions.map((code) => html`<option value="${code}"${code === f.serviceType ? html` selected` : ''}>${typeLabel(code, data.types, context)}</option>`)}
</select></div>
<button type="submit">${t('indicators.show')}</button></fieldset></form>`;
}

function stageRows(context: PageContext, name: 'acknowledgement' | 'decision', stages: Record<'all' | (typeof URGENCIES)[number], Stage>): Html {
  const { t } = context;
  const f = formatters(context);
  return html`${(['all', ...URGENCIES] as const).map((level) => {
    const s = stages[level];
    return html`<tr><th scope="row">${t(`indicators.stage.${name}`)} — ${t(`indicators.urgency.${level}`)}</th><td>${f.count(s.count)}</td><td>${f.hours(s.medianHours)}</td><td>${f.hours(s.p90Hours)}</td><td>${f.count(s.withinDeadline)}</td><td>${f.rate(s.withinDeadlineShare)}</td></tr>`;
  })}`;
}

function reasonLabel(code: string, outcome: 'declined' | 'not_delivered', language: string): string {
  return labelIn(outcome === 'declined' ? DECLINE_REASONS : NOT_DELIVERED_REASONS, code, catalogueLanguage(language));
}

function indicatorsBody(context: PageContext, data: IndicatorsPageData, indicators: Indicators): Html {
  const { t, language } = context;
  const f = formatters(context);
  const chosenType = indicators.serviceType;
  const cell = (period: string | null, type: string | null) => indicators.cells.find((c) => c.period === period && c.serviceType === type);
  const total = cell(null, chosenType);
  const perPeriod = indicators.periods.map((p) => ({ period: p, cell: cell(p.start, chosenType) }));
  const label = (start: string) => periodLabel(start, indicators.period, language, t);
  const scope = indicators.scope === 'network' ? t('indicators.scope.network') : t('indicators.scope.organization');
  const headline =
    total === undefined
      ? ''
      : html`<section aria-labelledby="no-feedback" class="headline"><h2 id="no-feedback">${t('indicators.noFeedback.title')}</h2>
<p class="big">${f.rate(total.noFeedback.rate)}</p>
<p>${t('indicators.noFeedback.detail', { without: f.count(total.noFeedback.withoutDecision), due: f.count(total.noFeedback.due) })}</p>
<p class="hint">${t('indicators.noFeedback.rule')}</p></section>`;
  const referralBars = perPeriod.map(({ period, cell: c }) => ({ label: label(period.start), value: c?.referrals.value ?? null, suppressed: c?.referrals.suppressed ?? false, text: c === undefined ? '—' : f.count(c.referrals) }));
  const noFeedbackBars = perPeriod.map(({ period, cell: c }) => ({ label: label(period.start), value: c?.noFeedback.rate.value ?? null, suppressed: c?.noFeedback.rate.suppressed ?? false, text: c === undefined ? '—' : f.rate(c.noFeedback.rate) }));
  const shareRows = total === undefined ? [] : (['acknowledgement', 'decision'] as const).flatMap((stage) => (['all', ...URGENCIES] as const).map((level) => {
    const share = total[stage][level].withinDeadlineShare;
    return { label: `${t(`indicators.stage.${stage}`)} — ${t(`indicators.urgency.${level}`)}`, value: share.value ?? null, suppressed: share.suppressed, text: f.rate(share) };
  }));
  const typeCells = indicators.serviceTypes.map((type) => ({ type, cell: cell(null, type) }));
  return html`<p>${scope} ${t('indicators.range', { from: indicators.from, to: indicators.to })}</p>
${headline}
<section aria-labelledby="per-period"><h2 id="per-period">${t('indicators.perPeriod.title')}</h2>
${barChart('chart-referrals', t('indicators.chart.referrals'), referralBars)}
${barChart('chart-no-feedback', t('indicators.chart.noFeedback'), noFeedbackBars, 1)}
<div class="table-scroll" role="region" tabindex="0" aria-label="${t('indicators.perPeriod.caption')}"><table><caption>${t('indicators.perPeriod.caption')}</caption>
<thead><tr><th scope="col">${t('indicators.period')}</th><th scope="col">${t('indicators.referrals')}</th><th scope="col">${t('indicators.noFeedback.short')}</th><th scope="col">${t('indicators.medianAck')}</th><th scope="col">${t('indicators.medianDecision')}</th></tr></thead>
<tbody>${perPeriod.map(({ period, cell: c }) => html`<tr><th scope="row">${label(period.start)}</th><td>${c === undefined ? '—' : f.count(c.referrals)}</td><td>${c === undefined ? '—' : f.rate(c.noFeedback.rate)}</td><td>${c === undefined ? '—' : f.hours(c.acknowledgement.all.medianHours)}</td><td>${c === undefined ? '—' : f.hours(c.decision.all.medianHours)}</td></tr>`)}</tbody>
</table></div></section>
${total === undefined ? '' : html`<section aria-labelledby="timeliness"><h2 id="timeliness">${t('indicators.timeliness.title')}</h2>
${shareChart('chart-deadlines', t('indicators.chart.deadlines'), shareRows)}
<div class="table-scroll" role="region" tabindex="0" aria-label="${t('indicators.timeliness.caption')}"><table><caption>${t('indicators.timeliness.caption')}</caption>
<thead><tr><th scope="col">${t('indicators.stage')}</th><th scope="col">${t('indicators.reached')}</th><th scope="col">${t('indicators.median')}</th><th scope="col">${t('indicators.p90')}</th><th scope="col">${t('indicators.within')}</th><th scope="col">${t('indicators.share')}</th></tr></thead>
<tbody>${stageRows(context, 'acknowledgement', total.acknowledgement)}${stageRows(context, 'decision', total.decision)}</tbody></table></div></section>
<section aria-labelledby="outcomes"><h2 id="outcomes">${t('indicators.outcomes.title')}</h2>
<div class="table-scroll" role="region" tabindex="0" aria-label="${t('indicators.outcomes.caption')}"><table><caption>${t('indicators.outcomes.caption')}</caption>
<thead><tr><th scope="col">${t('indicators.status')}</th><th scope="col">${t('indicators.referrals')}</th></tr></thead>
<tbody><tr><th scope="row">${t('indicators.referrals')}</th><td>${f.count(total.referrals)}</td></tr>
${STATUSES.map((status) => html`<tr><th scope="row">${t(`status.${status}`)}</th><td>${f.count(total.byStatus[status])}</td></tr>`)}
${Object.entries(total.declinedByReason).map(([code, count]) => html`<tr><th scope="row">${t('indicators.declinedBecause', { reason: reasonLabel(code, 'declined', language) })}</th><td>${f.count(count)}</td></tr>`)}
${Object.entries(total.notDeliveredByReason).map(([code, count]) => html`<tr><th scope="row">${t('indicators.notDeliveredBecause', { reason: reasonLabel(code, 'not_delivered', language) })}</th><td>${f.count(count)}</td></tr>`)}
</tbody></table></div></section>`}
${chosenType !== null ? '' : html`<section aria-labelledby="per-type"><h2 id="per-type">${t('indicators.perType.title')}</h2>
${typeCells.length === 0 ? html`<p>${t('indicators.none')}</p>` : html`<div class="table-scroll" role="region" tabindex="0" aria-label="${t('indicators.perType.caption')}"><table><caption>${t('indicators.perType.caption')}</caption>
<thead><tr><th scope="col">${t('indicators.serviceType')}</th><th scope="col">${t('indicators.referrals')}</th><th scope="col">${t('status.completed')}</th><th scope="col">${t('status.declined')}</th><th scope="col">${t('indicators.noFeedback.short')}</th><th scope="col">${t('indicators.medianDecision')}</th></tr></thead>
<tbody>${typeCells.map(({ type, cell: c }) => html`<tr><th scope="row">${typeLabel(type, data.types, context)}</th><td>${c === undefined ? '—' : f.count(c.referrals)}</td><td>${c === undefined ? '—' : f.count(c.byStatus.completed)}</td><td>${c === undefined ? '—' : f.count(c.byStatus.declined)}</td><td>${c === undefined ? '—' : f.rate(c.noFeedback.rate)}</td><td>${c === undefined ? '—' : f.hours(c.decision.all.medianHours)}</td></tr>`)}</tbody></table></div>`}</section>`}
<p class="hint">${t('indicators.legend')}</p>
<p><a href="/indicators.csv?${data.csvQuery}" download>${t('indicators.csv')}</a></p>`;
}

function gapsSection(context: PageContext, data: IndicatorsPageData): Html | string {
  const { t, language } = context;
  const gaps = data.gaps;
  if (gaps === undefined) return '';
  const shown = gaps.gaps.slice(0, MAX_GAP_ROWS);
  return html`<section aria-labelledby="gaps"><h2 id="gaps">${t('indicators.gaps.title')}</h2>
<p>${t('indicators.gaps.intro', { n: gaps.gaps.length })}</p>
${shown.length === 0 ? '' : html`<div class="table-scroll" role="region" tabindex="0" aria-label="${t('indicators.gaps.caption')}"><table><caption>${t('indicators.gaps.caption')}</caption>
<thead><tr><th scope="col">${t('indicators.serviceType')}</th><th scope="col">${t('indicators.gaps.area')}</th></tr></thead>
<tbody>${shown.map((gap) => html`<tr><td>${typeLabel(gap.type, data.types, context)}</td><td>${areaLabel(gap.areaCode, data.areas, language)}</td></tr>`)}</tbody></table></div>`}
${gaps.gaps.length > shown.length ? html`<p>${t('indicators.gaps.more', { n: gaps.gaps.length - shown.length })}</p>` : ''}</section>`;
}

export function indicatorsPage(context: PageContext, data: IndicatorsPageData): string {
  const { t } = context;
  const error = data.error === undefined ? '' : html`<p class="error" role="alert">${data.error}</p>`;
  return layout(
    context,
    t('indicators.title'),
    html`<h1>${t('indicators.title')}</h1>
<p>${t('indicators.intro')}</p>
${filtersForm(context, data, data.indicators?.serviceTypes ?? [])}
${error}
${data.indicators === undefined ? '' : indicatorsBody(context, data, data.indicators)}
${gapsSection(context, data)}`,
  );
}
