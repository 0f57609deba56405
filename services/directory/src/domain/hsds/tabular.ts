import { parse } from 'csv-parse/sync';
import { hsdsPropertyTypes } from './schemas.js';

type Row = Record<string, unknown>;
export type HsdsDatasetInput = Record<string, Row[]>;

/** The tables of the tabular package the directory reads, by file name → HSDS schema name. */
const TABLES: Record<string, string> = {
  'organizations.csv': 'organization',
  'services.csv': 'service',
  'locations.csv': 'location',
  'addresses.csv': 'address',
  'service_at_location.csv': 'service_at_location',
  'service_at_locations.csv': 'service_at_location',
  'taxonomies.csv': 'taxonomy',
  'taxonomy_terms.csv': 'taxonomy_term',
  'attributes.csv': 'attribute',
  'languages.csv': 'language',
  'phones.csv': 'phone',
  'schedules.csv': 'schedule',
};

/** True when the body is the tabular package as JSON (`"services.csv": [...]`). */
export function isTabular(dataset: Record<string, unknown>): boolean {
  return Object.keys(dataset).some((key) => key.endsWith('.csv'));
}

/** Parses one CSV file of the package into rows of strings. */
export function parseCsv(text: string): Row[] {
  return parse(text, { columns: true, skip_empty_lines: true, bom: true, relax_column_count: true }) as Row[];
}

/** CSV cells are text: turn them into what the schema says (numbers, integers), and drop empty cells. */
function typed(schema: string, row: Row): Row {
  const types = hsdsPropertyTypes(schema);
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) {
    if (value === '' || value === null || value === undefined) continue;
    const type = types.get(key);
    if (typeof value === 'string' && (type === 'number' || type === 'integer')) {
      const number = Number(value);
      out[key] = Number.isFinite(number) ? number : value;
    } else {
      out[key] = value;
    }
  }
  return out;
}

/**
 * Turns the tabular package (file name → rows) into the nested JSON dataset
 * the import reads: addresses under their location, attributes, languages,
 * phones and schedules under their service, as the HSDS API nests them.
 * Tables the directory does not keep (funding, programs…) are ignored.
 */
export function tabularToDataset(tables: Record<string, unknown>): HsdsDatasetInput {
  const rows = (file: string): Row[] => {
    const schema = TABLES[file];
    const value = tables[file];
    if (schema === undefined || !Array.isArray(value)) return [];
    return value.filter((row): row is Row => typeof row === 'object' && row !== null).map((row) => typed(schema, row));
  };
  const byKey = (list: Row[], key: string) => {
    const map = new Map<string, Row[]>();
    for (const row of list) {
      const id = row[key];
      if (typeof id === 'string') map.set(id, [...(map.get(id) ?? []), row]);
    }
    return map;
  };
  const addresses = byKey(rows('addresses.csv'), 'location_id');
  const terms = new Map(rows('taxonomy_terms.csv').map((term) => [String(term.id), term]));
  const attributes = byKey(rows('attributes.csv'), 'link_id');
  const languages = byKey(rows('languages.csv'), 'service_id');
  const phones = byKey(rows('phones.csv'), 'service_id');
  const schedules = byKey(rows('schedules.csv'), 'service_id');
  const strip = (row: Row, ...keys: string[]) => Object.fromEntries(Object.entries(row).filter(([k]) => !keys.includes(k)));
  return {
    taxonomies: rows('taxonomies.csv'),
    taxonomy_terms: rows('taxonomy_terms.csv'),
    organizations: rows('organizations.csv'),
    locations: rows('locations.csv').map((location) => ({
      ...location,
      addresses: (addresses.get(String(location.id)) ?? []).map((a) => strip(a, 'location_id')),
    })),
    services: rows('services.csv').map((service) => {
      const id = String(service.id);
      return {
        ...service,
        attributes: (attributes.get(id) ?? []).map((attribute) => {
          const term = terms.get(String(attribute.taxonomy_term_id));
          return { ...strip(attribute, 'link_id'), ...(term === undefined ? {} : { taxonomy_term: term }) };
        }),
        languages: (languages.get(id) ?? []).map((l) => strip(l, 'service_id')),
        phones: (phones.get(id) ?? []).map((p) => strip(p, 'service_id')),
        schedules: (schedules.get(id) ?? []).map((s) => strip(s, 'service_id')),
      };
    }),
    service_at_locations: rows('service_at_location.csv').concat(rows('service_at_locations.csv')),
  };
}
