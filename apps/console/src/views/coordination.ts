/**
 * Coordination of the network, rendered on the server: organisations, their
 * services, locations and focal points, and the HSDS import. Every form is a
 * plain POST; what may be changed, and by whom, is the directory's decision,
 * so a refusal is shown beside the form it answers, in words naming the field.
 */
import type { DirectoryApi } from '@referral-hub/contracts';
import type { FieldError } from '../api.js';
import { csrfField, html, layout } from '../html.js';
import type { Html, PageContext } from '../html.js';
import type { Translate } from '../i18n.js';
import { formatDate } from '../pages.js';

type DirectorySchemas = DirectoryApi.components['schemas'];
export type NetworkOrganization = DirectorySchemas['Organization'];
export type NetworkService = DirectorySchemas['Service'];
export type NetworkLocation = DirectorySchemas['Location'];
export type NetworkFocalPoint = DirectorySchemas['FocalPoint'];
export type NetworkTerm = DirectorySchemas['TaxonomyTerm'];
export type NetworkArea = DirectorySchemas['AdminArea'];
export type HsdsImportResult = DirectorySchemas['HsdsImportResult'];

export const ORGANIZATION_TYPES = ['ngo', 'government', 'un_agency', 'community_committee', 'other'] as const;
export const SERVICE_STATUSES = ['active', 'inactive', 'defunct', 'temporarily_closed'] as const;
export const CAPACITY_STATUSES = ['available', 'waitlist', 'full', 'assessment_required'] as const;
export const SEXES = ['female', 'male', 'other'] as const;

/** What a form shows: the stored entry, or what was just sent when it was refused. */
export type FormValues = Record<string, string | readonly string[]>;

/** A refusal, for the one form it answers. */
export type FormError = { form: string; message: string; fields: readonly FieldError[] };

/** Labels of the directory's fields, by the path its problem names (without `body.` and indexes). */
const FIELD_LABELS: Record<string, string> = {
  name: 'coordination.field.name',
  'name.fr': 'coordination.field.nameFr',
  'name.en': 'coordination.field.nameEn',
  acronym: 'coordination.field.acronym',
  type: 'coordination.field.type',
  description: 'coordination.field.description',
  'description.fr': 'coordination.field.descriptionFr',
  'description.en': 'coordination.field.descriptionEn',
  contact: 'coordination.field.contact',
  'contact.email': 'coordination.field.email',
  'contact.phone': 'coordination.field.phone',
  'contact.website': 'coordination.field.website',
  areasServed: 'coordination.field.areas',
  types: 'coordination.field.types',
  status: 'coordination.field.status',
  acceptsReferrals: 'coordination.field.acceptsReferrals',
  capacity: 'coordination.field.capacityStatus',
  'capacity.status': 'coordination.field.capacityStatus',
  'capacity.note': 'coordination.field.capacityNote',
  eligibility: 'coordination.field.eligibility',
  'eligibility.minAge': 'coordination.field.minAge',
  'eligibility.maxAge': 'coordination.field.maxAge',
  'eligibility.sexes': 'coordination.field.sexes',
  'eligibility.note': 'coordination.field.eligibilityNote',
  languages: 'coordination.field.languages',
  cost: 'coordination.field.cost',
  openingHours: 'coordination.field.openingHours',
  locationIds: 'coordination.field.locations',
  areaCode: 'coordination.field.area',
  address: 'coordination.field.address',
  coordinates: 'coordination.field.coordinates',
  'coordinates.latitude': 'coordination.field.latitude',
  'coordinates.longitude': 'coordination.field.longitude',
  confidential: 'coordination.field.confidential',
  title: 'coordination.field.title',
  email: 'coordination.field.email',
  phone: 'coordination.field.phone',
  notificationLanguage: 'coordination.field.notificationLanguage',
  serviceId: 'coordination.field.service',
  version: 'coordination.field.version',
  dataset: 'coordination.field.dataset',
};

/** The words for a field the directory named (`body.contact.email`, `body.types[1]`), or the path itself when unknown. */
export function fieldLabel(t: Translate, field: string): string {
  const path = field.replace(/^(body|query)\.?/, '').replace(/\[\d+\]/g, '').replace(/^\//, '').replace(/\//g, '.');
  const parts = path.split('.');
  for (let n = parts.length; n > 0; n -= 1) {
    const key = FIELD_LABELS[parts.slice(0, n).join('.')];
    if (key !== undefined) return t(key);
  }
  return path === '' ? t('coordination.field.form') : path;
}

function nameIn(names: { fr?: string | null; en?: string | null } | null | undefined, language: string): string {
  if (names === null || names === undefined) return '';
  return (language === 'en' ? (names.en ?? names.fr) : (names.fr ?? names.en)) ?? '';
}

export function serviceLabel(service: NetworkService, language: string): string {
  return nameIn(service.name, language) || '—';
}

function organizationLabel(organization: NetworkOrganization): string {
  return organization.acronym === null ? organization.name : `${organization.name} (${organization.acronym})`;
}

/** Builds one form's fields; ids are prefixed with the form's id so several forms fit on one page. */
function formKit(context: PageContext, formId: string, values: FormValues, error: FormError | undefined) {
  const { t } = context;
  const mine = error !== undefined && error.form === formId ? error : undefined;
  const value = (name: string): string => {
    const v = values[name];
    return typeof v === 'string' ? v : '';
  };
  const list = (name: string): readonly string[] => {
    const v = values[name];
    return v === undefined ? [] : typeof v === 'string' ? [v] : v;
  };
  const id = (name: string) => `${formId}-${name}`;
  const hint = (name: string, text: string | undefined) => (text === undefined ? '' : html`<span class="hint" id="${id(name)}-hint">${text}</span>`);
  const described = (name: string, text: string | undefined) => (text === undefined ? '' : html` aria-describedby="${id(name)}-hint"`);
  return {
    errorBlock:
      mine === undefined
        ? ''
        : html`<div class="error" role="alert" id="${formId}-error"><p>${mine.message}</p>${
            mine.fields.length === 0 ? '' : html`<ul>${mine.fields.map((f) => html`<li>${t('coordination.fieldError', { field: fieldLabel(t, f.field), message: f.message })}</li>`)}</ul>`
          }</div>`,
    open: (action: string, label: string, options: { files?: boolean } = {}) =>
      html`<form method="post" action="${action}" novalidate aria-label="${label}"${options.files === true ? html` enctype="multipart/form-data"` : ''}${mine === undefined ? '' : html` aria-describedby="${formId}-error"`}>${csrfField(context.csrf)}`,
    file: (name: string, label: string, options: { hint?: string; accept?: string; multiple?: boolean } = {}) =>
      html`<p><label for="${id(name)}">${label}</label>${hint(name, options.hint)}<input type="file" id="${id(name)}" name="${name}"${options.accept === undefined ? '' : html` accept="${options.accept}"`}${options.multiple === true ? html` multiple` : ''}${described(name, options.hint)}></p>`,
    text: (name: string, label: string, options: { type?: string; hint?: string; required?: boolean; inputmode?: string } = {}) =>
      html`<p><label for="${id(name)}">${label}</label>${hint(name, options.hint)}<input type="${options.type ?? 'text'}" id="${id(name)}" name="${name}" value="${value(name)}"${options.required === true ? html` required` : ''}${options.inputmode === undefined ? '' : html` inputmode="${options.inputmode}"`}${described(name, options.hint)}></p>`,
    area: (name: string, label: string, options: { hint?: string; rows?: number } = {}) =>
      html`<p><label for="${id(name)}">${label}</label>${hint(name, options.hint)}<textarea id="${id(name)}" name="${name}" rows="${options.rows ?? 3}"${described(name, options.hint)}>${value(name)}</textarea></p>`,
    select: (name: string, label: string, options: readonly { value: string; text: string }[], settings: { multiple?: boolean; hint?: string } = {}) => {
      const chosen = list(name);
      return html`<p><label for="${id(name)}">${label}</label>${hint(name, settings.hint)}<select id="${id(name)}" name="${name}"${settings.multiple === true ? html` multiple size="${Math.min(6, Math.max(2, options.length))}"` : ''}${described(name, settings.hint)}>${options.map(
        (o) => html`<option value="${o.value}"${chosen.includes(o.value) ? html` selected` : ''}>${o.text}</option>`,
      )}</select></p>`;
    },
    check: (name: string, label: string, hintText?: string) =>
      html`<p><input type="checkbox" id="${id(name)}" name="${name}" value="true"${value(name) === 'true' ? html` checked` : ''}${described(name, hintText)}> <label for="${id(name)}">${label}</label>${hint(name, hintText)}</p>`,
    hidden: (name: string) => html`<input type="hidden" name="${name}" value="${value(name)}">`,
    submit: (text: string) => html`<p><button type="submit">${text}</button></p></form>`,
  };
}

function typeOptions(types: readonly NetworkTerm[], language: string) {
  return types.map((term) => ({ value: term.code, text: language === 'en' ? term.labels.en : term.labels.fr }));
}

function areaOptions(areas: readonly NetworkArea[], language: string, withNone = false) {
  const options = areas.map((area) => ({ value: area.code, text: `${'· '.repeat(Math.max(0, area.level - 1))}${language === 'en' ? area.names.en : area.names.fr}` }));
  return withNone ? [{ value: '', text: '—' }, ...options] : options;
}

function enumOptions(t: Translate, prefix: string, codes: readonly string[]) {
  return codes.map((code) => ({ value: code, text: t(`${prefix}${code}`) }));
}

function yesNo(t: Translate) {
  return [
    { value: 'true', text: t('directory.yes') },
    { value: 'false', text: t('directory.no') },
  ];
}

const LANGUAGE_OPTIONS = [
  { value: 'fr', text: 'Français' },
  { value: 'en', text: 'English' },
];

/** The values of an organisation's form from the stored organisation. */
export function organizationValues(o: NetworkOrganization): FormValues {
  return {
    name: o.name,
    acronym: o.acronym ?? '',
    type: o.type,
    description: o.description ?? '',
    email: o.contact?.email ?? '',
    phone: o.contact?.phone ?? '',
    website: o.contact?.website ?? '',
    areasServed: o.areasServed ?? [],
    version: String(o.version),
  };
}

function organizationFields(context: PageContext, kit: ReturnType<typeof formKit>, areas: readonly NetworkArea[]): Html {
  const { t, language } = context;
  return html`${kit.text('name', t('coordination.field.name'), { required: true })}
${kit.text('acronym', t('coordination.field.acronym'))}
${kit.select('type', t('coordination.field.type'), enumOptions(t, 'coordination.orgType.', ORGANIZATION_TYPES))}
${kit.area('description', t('coordination.field.description'))}
${kit.text('email', t('coordination.field.email'), { type: 'email', hint: t('coordination.hint.workContact') })}
${kit.text('phone', t('coordination.field.phone'), { type: 'tel' })}
${kit.text('website', t('coordination.field.website'), { type: 'url' })}
${kit.select('areasServed', t('coordination.field.areas'), areaOptions(areas, language), { multiple: true, hint: t('coordination.hint.multiple') })}`;
}

export type NetworkView = {
  organizations: readonly NetworkOrganization[];
  /** The coordinator's forms (register an organisation, import HSDS) are shown to coordinators only. */
  coordinator: boolean;
  areas: readonly NetworkArea[];
  values?: FormValues;
  error?: FormError;
  imported?: HsdsImportResult;
};

/** The network: its organisations, and for coordinators a new organisation and an HSDS import. */
export function networkPage(context: PageContext, view: NetworkView): string {
  const { t } = context;
  const values = view.values ?? {};
  const create = formKit(context, 'new-org', view.error?.form === 'new-org' ? values : { type: 'ngo' }, view.error);
  const upload = formKit(context, 'hsds', view.error?.form === 'hsds' ? values : { language: context.language === 'en' ? 'en' : 'fr' }, view.error);
  const report = view.imported;
  return layout(
    context,
    t('coordination.title'),
    html`<h1>${t('coordination.title')}</h1><p>${t(view.coordinator ? 'coordination.intro' : 'coordination.introOwn')}</p>
<h2>${t('coordination.organizations')}</h2>
${
  view.organizations.length === 0
    ? html`<p>${t('coordination.noOrganizations')}</p>`
    : html`<ul>${view.organizations.map((o) => html`<li><a href="/network/organizations/${o.id}">${organizationLabel(o)}</a></li>`)}</ul>`
}
${
  view.coordinator
    ? html`<h2>${t('coordination.newOrganization')}</h2>${create.errorBlock}${create.open('/network/organizations', t('coordination.newOrganization'))}${organizationFields(context, create, view.areas)}${create.submit(t('coordination.create'))}
<h2 id="hsds">${t('coordination.hsds.title')}</h2><p>${t('coordination.hsds.intro')}</p>
${
  report === undefined
    ? ''
    : html`<div class="note" role="status"><p>${t('coordination.hsds.report', { created: report.created, updated: report.updated, unchanged: report.unchanged, rejected: report.rejected.length })}</p>${
        report.rejected.length === 0
          ? ''
          : html`<ul>${report.rejected.slice(0, 50).map((r) => html`<li>${t('coordination.hsds.rejectedOne', { entity: r.entity, id: r.id ?? '—', reason: r.reason })}</li>`)}</ul>${
              report.rejected.length > 50 ? html`<p>${t('coordination.hsds.more', { n: report.rejected.length - 50 })}</p>` : ''
            }`
      }</div>`
}
${upload.errorBlock}${upload.open('/network/hsds', t('coordination.hsds.title'), { files: true })}
${upload.file('files', t('coordination.field.files'), { hint: t('coordination.hsds.fileHint'), accept: '.json,.csv,application/json,text/csv', multiple: true })}
${upload.area('dataset', t('coordination.field.dataset'), { rows: 6, hint: t('coordination.hsds.hint') })}
${upload.select('language', t('coordination.hsds.language'), LANGUAGE_OPTIONS)}
${upload.submit(t('coordination.hsds.import'))}`
    : ''
}`,
  );
}

export type OrganizationView = {
  organization: NetworkOrganization;
  services: readonly NetworkService[];
  locations: readonly NetworkLocation[];
  focalPoints: readonly NetworkFocalPoint[];
  types: readonly NetworkTerm[];
  areas: readonly NetworkArea[];
  values?: FormValues;
  error?: FormError;
};

/** One organisation: its details, services, locations and focal points, each with its forms. */
export function organizationPage(context: PageContext, view: OrganizationView): string {
  const { t, language } = context;
  const o = view.organization;
  const sent = (form: string, fallback: FormValues) => (view.error?.form === form && view.values !== undefined ? view.values : fallback);
  const edit = formKit(context, 'org', sent('org', organizationValues(o)), view.error);
  const newService = formKit(context, 'new-service', sent('new-service', { acceptsReferrals: 'true', capacityStatus: 'available' }), view.error);
  const newLocation = formKit(context, 'new-location', sent('new-location', {}), view.error);
  const newFocal = formKit(context, 'new-focal', sent('new-focal', { notificationLanguage: context.language === 'en' ? 'en' : 'fr' }), view.error);
  const serviceOptions = [{ value: '', text: t('coordination.focal.wholeOrganization') }, ...view.services.map((s) => ({ value: s.id, text: serviceLabel(s, language) }))];
  const locationOptions = view.locations.map((l) => ({ value: l.id, text: l.confidential ? `${l.name} (${t('coordination.location.confidentialShort')})` : l.name }));
  const deleteError = view.error?.form.startsWith('delete-focal-') === true ? formKit(context, view.error.form, {}, view.error).errorBlock : '';
  return layout(
    context,
    t('coordination.organization'),
    html`<p><a href="/network">${t('coordination.back')}</a></p><h1>${organizationLabel(o)}</h1>
<h2>${t('coordination.organizationDetails')}</h2>
${edit.errorBlock}${edit.open(`/network/organizations/${o.id}`, t('coordination.organizationDetails'))}${edit.hidden('version')}${organizationFields(context, edit, view.areas)}${edit.submit(t('coordination.save'))}
<h2>${t('coordination.services')}</h2>
${
  view.services.length === 0
    ? html`<p>${t('coordination.noServices')}</p>`
    : html`<ul>${view.services.map(
        (s) => html`<li><a href="/network/services/${s.id}">${serviceLabel(s, language)}</a> — ${t(`capacity.${s.capacity.status}`)}${s.acceptsReferrals ? '' : html` — ${t('directory.noReferrals')}`}</li>`,
      )}</ul>`
}
<h3>${t('coordination.newService')}</h3><p>${t('coordination.newServiceHint')}</p>
${newService.errorBlock}${newService.open(`/network/organizations/${o.id}/services`, t('coordination.newService'))}
${newService.text('nameFr', t('coordination.field.nameFr'))}${newService.text('nameEn', t('coordination.field.nameEn'))}
${newService.area('descriptionFr', t('coordination.field.descriptionFr'))}${newService.area('descriptionEn', t('coordination.field.descriptionEn'))}
${newService.select('types', t('coordination.field.types'), typeOptions(view.types, language), { multiple: true, hint: t('coordination.hint.multiple') })}
${newService.select('acceptsReferrals', t('coordination.field.acceptsReferrals'), yesNo(t))}
${newService.select('capacityStatus', t('coordination.field.capacityStatus'), enumOptions(t, 'capacity.', CAPACITY_STATUSES))}
${newService.text('capacityNote', t('coordination.field.capacityNote'))}
${newService.select('areasServed', t('coordination.field.areas'), areaOptions(view.areas, language), { multiple: true, hint: t('coordination.hint.multiple') })}
${locationOptions.length === 0 ? html`<p>${t('coordination.noLocationsYet')}</p>` : newService.select('locationIds', t('coordination.field.locations'), locationOptions, { multiple: true, hint: t('coordination.hint.multiple') })}
${newService.submit(t('coordination.create'))}
<h2>${t('coordination.locations')}</h2><p>${t('coordination.location.confidentialExplained')}</p>
${
  view.locations.length === 0
    ? html`<p>${t('coordination.noLocations')}</p>`
    : html`<ul>${view.locations.map(
        (l) => html`<li><a href="/network/locations/${l.id}">${l.name}</a>${l.confidential ? html` — <strong>${t('coordination.location.confidentialShort')}</strong>` : ''}${l.address === null ? '' : html` — ${l.address}`}</li>`,
      )}</ul>`
}
<h3>${t('coordination.newLocation')}</h3>
${newLocation.errorBlock}${newLocation.open(`/network/organizations/${o.id}/locations`, t('coordination.newLocation'))}${locationFields(context, newLocation, view.areas)}${newLocation.submit(t('coordination.create'))}
<h2>${t('coordination.focalPoints')}</h2>${deleteError}
${
  view.focalPoints.length === 0
    ? html`<p>${t('directory.noFocalPoints')}</p>`
    : html`<ul class="cards">${view.focalPoints.map((p) => {
        const service = view.services.find((s) => s.id === p.serviceId);
        return html`<li class="card"><p><strong>${p.name}</strong>${p.title === null ? '' : html`, ${p.title}`}</p>
<dl><dt>${t('coordination.field.email')}</dt><dd>${p.email ?? '—'}</dd><dt>${t('coordination.field.phone')}</dt><dd>${p.phone ?? '—'}</dd><dt>${t('coordination.field.service')}</dt><dd>${service === undefined ? t('coordination.focal.wholeOrganization') : serviceLabel(service, language)}</dd></dl>
<p><a href="/network/organizations/${o.id}/focal-points/${p.id}">${t('coordination.focal.edit', { name: p.name })}</a></p>
<form method="post" action="/network/organizations/${o.id}/focal-points/${p.id}/delete">${csrfField(context.csrf)}<input type="hidden" name="version" value="${String(p.version)}"><button type="submit" class="secondary">${t('coordination.focal.delete', { name: p.name })}</button></form></li>`;
      })}</ul>`
}
<h3>${t('coordination.newFocalPoint')}</h3>
${newFocal.errorBlock}${newFocal.open(`/network/organizations/${o.id}/focal-points`, t('coordination.newFocalPoint'))}${focalFields(context, newFocal)}
${newFocal.select('serviceId', t('coordination.field.service'), serviceOptions)}
${newFocal.submit(t('coordination.create'))}`,
  );
}

function locationFields(context: PageContext, kit: ReturnType<typeof formKit>, areas: readonly NetworkArea[]): Html {
  const { t, language } = context;
  return html`${kit.text('name', t('coordination.field.name'), { required: true })}
${kit.select('areaCode', t('coordination.field.area'), areaOptions(areas, language, true))}
${kit.text('address', t('coordination.field.address'))}
${kit.text('latitude', t('coordination.field.latitude'), { inputmode: 'decimal' })}${kit.text('longitude', t('coordination.field.longitude'), { inputmode: 'decimal' })}
${kit.check('confidential', t('coordination.field.confidential'), t('coordination.location.confidentialHint'))}`;
}

function focalFields(context: PageContext, kit: ReturnType<typeof formKit>): Html {
  const { t } = context;
  return html`${kit.text('name', t('coordination.field.name'), { required: true })}
${kit.text('title', t('coordination.field.title'))}
${kit.text('email', t('coordination.field.email'), { type: 'email', hint: t('coordination.hint.workContact') })}
${kit.text('phone', t('coordination.field.phone'), { type: 'tel' })}
${kit.text('languages', t('coordination.field.languages'), { hint: t('coordination.hint.languages') })}
${kit.select('notificationLanguage', t('coordination.field.notificationLanguage'), LANGUAGE_OPTIONS)}`;
}

export function serviceValues(s: NetworkService): FormValues {
  const description = s.description;
  return {
    nameFr: s.name.fr ?? '',
    nameEn: s.name.en ?? '',
    descriptionFr: description?.fr ?? '',
    descriptionEn: description?.en ?? '',
    types: s.types,
    status: s.status,
    acceptsReferrals: String(s.acceptsReferrals),
    capacityStatus: s.capacity.status,
    capacityNote: s.capacity.note ?? '',
    minAge: s.eligibility.minAge === null || s.eligibility.minAge === undefined ? '' : String(s.eligibility.minAge),
    maxAge: s.eligibility.maxAge === null || s.eligibility.maxAge === undefined ? '' : String(s.eligibility.maxAge),
    sexes: s.eligibility.sexes ?? [],
    eligibilityNote: s.eligibility.note ?? '',
    languages: s.languages.join(', '),
    cost: s.cost ?? '',
    openingHours: s.openingHours ?? '',
    areasServed: s.areasServed,
    locationIds: s.locations.map((l) => l.id),
    version: String(s.version),
  };
}

export type ServiceEditView = {
  service: NetworkService;
  organization: NetworkOrganization;
  locations: readonly NetworkLocation[];
  types: readonly NetworkTerm[];
  areas: readonly NetworkArea[];
  values?: FormValues;
  error?: FormError;
};

/** A service's three forms: what it is, its capacity now, and whom and where it serves. */
export function serviceEditPage(context: PageContext, view: ServiceEditView): string {
  const { t, language } = context;
  const s = view.service;
  const stored = serviceValues(s);
  const sent = (form: string) => (view.error?.form === form && view.values !== undefined ? view.values : stored);
  const details = formKit(context, 'details', sent('details'), view.error);
  const capacity = formKit(context, 'capacity', sent('capacity'), view.error);
  const reach = formKit(context, 'reach', sent('reach'), view.error);
  const locationOptions = view.locations.map((l) => ({ value: l.id, text: l.confidential ? `${l.name} (${t('coordination.location.confidentialShort')})` : l.name }));
  return layout(
    context,
    t('coordination.service'),
    html`<p><a href="/network/organizations/${view.organization.id}">${t('coordination.backTo', { name: view.organization.acronym ?? view.organization.name })}</a></p>
<h1>${serviceLabel(s, language)}</h1>
<dl class="pairs"><dt>${t('coordination.capacityNow')}</dt><dd>${t(`capacity.${s.capacity.status}`)} (${formatDate(s.capacity.setAt, language)})${s.capacity.note === null ? '' : html` — ${s.capacity.note}`}</dd>
<dt>${t('coordination.verified')}</dt><dd>${s.verifiedAt === null ? t('coordination.neverVerified') : formatDate(s.verifiedAt, language)}${s.stale ? html` — <span class="late">${t('coordination.stale')}</span>` : ''}</dd></dl>
<p><a href="/directory/services/${s.id}">${t('coordination.seeInDirectory')}</a></p>
<h2>${t('coordination.capacityTitle')}</h2>
${capacity.errorBlock}${capacity.open(`/network/services/${s.id}/capacity`, t('coordination.capacityTitle'))}${capacity.hidden('version')}
${capacity.select('capacityStatus', t('coordination.field.capacityStatus'), enumOptions(t, 'capacity.', CAPACITY_STATUSES))}
${capacity.text('capacityNote', t('coordination.field.capacityNote'))}
${capacity.check('markVerified', t('coordination.field.markVerified'))}
${capacity.submit(t('coordination.save'))}
<h2>${t('coordination.serviceDetails')}</h2>
${details.errorBlock}${details.open(`/network/services/${s.id}`, t('coordination.serviceDetails'))}${details.hidden('version')}
${details.text('nameFr', t('coordination.field.nameFr'))}${details.text('nameEn', t('coordination.field.nameEn'))}
${details.area('descriptionFr', t('coordination.field.descriptionFr'))}${details.area('descriptionEn', t('coordination.field.descriptionEn'))}
${details.select('types', t('coordination.field.types'), typeOptions(view.types, language), { multiple: true, hint: t('coordination.hint.multiple') })}
${details.select('status', t('coordination.field.status'), enumOptions(t, 'coordination.serviceStatus.', SERVICE_STATUSES))}
${details.select('acceptsReferrals', t('coordination.field.acceptsReferrals'), yesNo(t))}
${details.submit(t('coordination.save'))}
<h2>${t('coordination.reach')}</h2>
${reach.errorBlock}${reach.open(`/network/services/${s.id}/reach`, t('coordination.reach'))}${reach.hidden('version')}
${reach.text('minAge', t('coordination.field.minAge'), { inputmode: 'numeric' })}${reach.text('maxAge', t('coordination.field.maxAge'), { inputmode: 'numeric' })}
${reach.select('sexes', t('coordination.field.sexes'), enumOptions(t, 'coordination.sex.', SEXES), { multiple: true, hint: t('coordination.hint.sexes') })}
${reach.text('eligibilityNote', t('coordination.field.eligibilityNote'))}
${reach.text('languages', t('coordination.field.languages'), { hint: t('coordination.hint.languages') })}
${reach.text('cost', t('coordination.field.cost'))}${reach.text('openingHours', t('coordination.field.openingHours'))}
${reach.select('areasServed', t('coordination.field.areas'), areaOptions(view.areas, language), { multiple: true, hint: t('coordination.hint.multiple') })}
${locationOptions.length === 0 ? '' : reach.select('locationIds', t('coordination.field.locations'), locationOptions, { multiple: true, hint: t('coordination.hint.multiple') })}
${reach.submit(t('coordination.save'))}`,
  );
}

export function locationValues(l: NetworkLocation): FormValues {
  return {
    name: l.name,
    areaCode: l.areaCode ?? '',
    address: l.address ?? '',
    latitude: l.coordinates === null ? '' : String(l.coordinates.latitude),
    longitude: l.coordinates === null ? '' : String(l.coordinates.longitude),
    confidential: l.confidential ? 'true' : '',
    version: String(l.version),
  };
}

export type LocationEditView = { location: NetworkLocation; organization: NetworkOrganization; areas: readonly NetworkArea[]; values?: FormValues; error?: FormError };

export function locationEditPage(context: PageContext, view: LocationEditView): string {
  const { t } = context;
  const l = view.location;
  const kit = formKit(context, 'location', view.error !== undefined && view.values !== undefined ? view.values : locationValues(l), view.error);
  return layout(
    context,
    t('coordination.location'),
    html`<p><a href="/network/organizations/${view.organization.id}">${t('coordination.backTo', { name: view.organization.acronym ?? view.organization.name })}</a></p>
<h1>${l.name}</h1><p>${t('coordination.location.confidentialExplained')}</p>
${l.redacted ? html`<p class="note">${t('coordination.location.redacted')}</p>` : ''}
${kit.errorBlock}${kit.open(`/network/locations/${l.id}`, t('coordination.location'))}${kit.hidden('version')}${locationFields(context, kit, view.areas)}${kit.submit(t('coordination.save'))}`,
  );
}

export function focalValues(p: NetworkFocalPoint): FormValues {
  return { name: p.name, title: p.title ?? '', email: p.email ?? '', phone: p.phone ?? '', languages: (p.languages ?? []).join(', '), notificationLanguage: p.notificationLanguage ?? 'fr', version: String(p.version) };
}

export type FocalEditView = { focalPoint: NetworkFocalPoint; organization: NetworkOrganization; serviceName?: string; values?: FormValues; error?: FormError };

export function focalEditPage(context: PageContext, view: FocalEditView): string {
  const { t } = context;
  const p = view.focalPoint;
  const kit = formKit(context, 'focal', view.error !== undefined && view.values !== undefined ? view.values : focalValues(p), view.error);
  return layout(
    context,
    t('coordination.focalPoint'),
    html`<p><a href="/network/organizations/${view.organization.id}">${t('coordination.backTo', { name: view.organization.acronym ?? view.organization.name })}</a></p>
<h1>${p.name}</h1><p>${t('coordination.focal.answersFor', { service: view.serviceName ?? t('coordination.focal.wholeOrganization') })}</p>
${kit.errorBlock}${kit.open(`/network/organizations/${view.organization.id}/focal-points/${p.id}`, t('coordination.focalPoint'))}${kit.hidden('version')}${focalFields(context, kit)}${kit.submit(t('coordination.save'))}`,
  );
}
