// Turns pino's JSON log lines into `HH:MM:SS level msg key=value …` for a
// person watching `npm start`. Anything that is not a pino line passes through.

const LEVELS = /** @type {const} */ ({ 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' });

/** Keys every line has or that the prefix already says; not repeated as fields. */
const NOISE = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'message', 'service', 'name', 'version', 'v']);

const MAX_FIELDS = 6;
const MAX_VALUE = 80;

/**
 * @typedef {(name: 'red' | 'yellow' | 'green' | 'gray' | 'dim' | 'magenta' | 'bold', text: string) => string} Painter
 */

/**
 * @param {unknown} value
 * @returns {value is Record<string, unknown>}
 */
function isRecord(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** @param {unknown} level @returns {string} */
function levelName(level) {
  if (typeof level === 'number') return LEVELS[/** @type {keyof typeof LEVELS} */ (level)] ?? String(level);
  if (typeof level === 'string') return level.toLowerCase();
  return 'info';
}

/** @param {unknown} time @returns {string} */
function clock(time) {
  const date = typeof time === 'number' || typeof time === 'string' ? new Date(time) : new Date();
  const valid = Number.isNaN(date.getTime()) ? new Date() : date;
  return valid.toTimeString().slice(0, 8);
}

/** @param {unknown} value @returns {string} */
function short(value) {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > MAX_VALUE ? `${oneLine.slice(0, MAX_VALUE - 1)}…` : oneLine;
}

/**
 * The few fields worth seeing at a glance, in a stable order: HTTP request
 * and response first, then whatever else the line carries.
 * @param {Record<string, unknown>} entry
 * @returns {string[]}
 */
function fields(entry) {
  /** @type {string[]} */
  const out = [];
  const req = entry.req;
  if (isRecord(req) && typeof req.method === 'string') out.push(`${req.method} ${short(req.url ?? '')}`);
  const res = entry.res;
  if (isRecord(res) && res.statusCode !== undefined) out.push(`status=${short(res.statusCode)}`);
  for (const [key, value] of Object.entries(entry)) {
    if (out.length >= MAX_FIELDS) break;
    if (NOISE.has(key) || key === 'req' || key === 'res' || value === undefined) continue;
    // Errors show their message here; the stack follows on its own lines.
    const shown = (key === 'err' || key === 'error') && isRecord(value) ? value.message : value;
    out.push(`${key}=${short(shown)}`);
  }
  return out;
}

/**
 * Formats one output line of a service. Returns the line unchanged when it is
 * not a pino JSON object.
 * @param {string} line
 * @param {Painter} paint
 * @returns {string}
 */
export function formatLogLine(line, paint) {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return line;
  /** @type {unknown} */
  let parsed;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return line;
  }
  if (!isRecord(parsed) || (parsed.level === undefined && parsed.msg === undefined)) return line;

  const level = levelName(parsed.level);
  const levelColour = level === 'error' || level === 'fatal' ? 'red' : level === 'warn' ? 'yellow' : level === 'info' ? 'green' : 'gray';
  const message = typeof parsed.msg === 'string' ? parsed.msg : typeof parsed.message === 'string' ? parsed.message : '';
  const extra = fields(parsed);
  let text = `${paint('gray', clock(parsed.time))} ${paint(levelColour, level.padEnd(5))} ${message}`;
  if (extra.length > 0) text += ` ${paint('gray', extra.join(' '))}`;

  // A stack is the one multi-line thing worth printing in full, and only for errors.
  const err = isRecord(parsed.err) ? parsed.err : isRecord(parsed.error) ? parsed.error : undefined;
  if (err && typeof err.stack === 'string' && (level === 'error' || level === 'fatal')) {
    const stack = err.stack.split('\n').slice(1).map((/** @type {string} */ frame) => paint('gray', `    ${frame.trim()}`));
    if (stack.length > 0) text += `\n${stack.join('\n')}`;
  }
  return text;
}
