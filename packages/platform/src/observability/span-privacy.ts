/**
 * What a span may carry out of the process. Instrumentations record URLs,
 * SQL text and Redis commands; a child's data must never leave in them
 * (no query strings, no SQL literals, no Redis arguments, no error texts,
 * which can quote input). Applied to every span just before it is exported.
 */

/** Attribute values a span may hold (OpenTelemetry's `AttributeValue`). */
export type AttributeValue = string | number | boolean | (string | null | undefined)[] | (number | null | undefined)[] | (boolean | null | undefined)[];
export type SpanAttributeMap = Record<string, AttributeValue | undefined>;

/** URL attributes (old and current semantic conventions) whose query string is dropped. */
const URL_KEYS = new Set(['http.url', 'http.target', 'url.full', 'url.path', 'http.route']);
/** Dropped whole: they hold a query string, or text that may quote a person's data. */
const DROPPED_KEYS = new Set(['url.query', 'db.query.parameter', 'exception.message', 'exception.stacktrace', 'http.request.body', 'http.response.body']);
/** SQL text: parameterised by the hub, but a literal would hold a value; literals are masked. */
const SQL_KEYS = new Set(['db.statement', 'db.query.text']);

/** A URL or path without its query string and fragment. */
export function withoutQuery(value: string): string {
  const cut = value.search(/[?#]/);
  return cut === -1 ? value : value.slice(0, cut);
}

/** SQL with its string and numeric literals replaced by `?` (placeholders `$1` are kept). */
export function maskSqlLiterals(sql: string): string {
  return sql
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/(?<![\w$.])-?\d+(?:\.\d+)?(?![\w.])/g, '?');
}

/** The attributes a span may keep, or `attributes` itself when nothing had to change. */
export function scrubAttributes(attributes: SpanAttributeMap): SpanAttributeMap {
  let changed: SpanAttributeMap | undefined;
  for (const [key, value] of Object.entries(attributes)) {
    let next: AttributeValue | undefined = value;
    if (DROPPED_KEYS.has(key) || key.startsWith('db.query.parameter.') || key.startsWith('http.request.header.') || key.startsWith('http.response.header.')) {
      next = undefined;
    } else if (typeof value === 'string' && URL_KEYS.has(key)) {
      next = withoutQuery(value);
    } else if (typeof value === 'string' && SQL_KEYS.has(key)) {
      // A Redis command's arguments are dropped at the source (the ioredis instrumentation's serializer keeps the command name).
      next = maskSqlLiterals(value);
    }
    if (next !== value) {
      changed ??= { ...attributes };
      if (next === undefined) delete changed[key];
      else changed[key] = next;
    }
  }
  return changed ?? attributes;
}
