// Terminal output for scripts/hub.mjs: colours only when a person is watching.

const useColour =
  process.env.NO_COLOR === undefined &&
  (process.env.FORCE_COLOR !== undefined ? process.env.FORCE_COLOR !== '0' : Boolean(process.stdout.isTTY));

const codes = {
  reset: 0,
  bold: 1,
  dim: 2,
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  cyan: 36,
  gray: 90,
  brightBlue: 94,
  brightMagenta: 95,
  brightCyan: 96,
};

/**
 * Wraps text in an ANSI colour when colour is enabled.
 * @param {keyof typeof codes} name
 * @param {string} text
 * @returns {string}
 */
export function paint(name, text) {
  if (!useColour) return text;
  return `\u001b[${codes[name]}m${text}\u001b[0m`;
}

/** @returns {boolean} whether output goes to a terminal that shows colours */
export function coloursEnabled() {
  return useColour;
}

/**
 * Prints a step heading, e.g. "› installing dependencies".
 * @param {string} text
 */
export function step(text) {
  console.log(`${paint('cyan', '›')} ${paint('bold', text)}`);
}

/**
 * Prints an informational line.
 * @param {string} text
 */
export function info(text) {
  console.log(`  ${text}`);
}

/**
 * Prints a warning on stderr.
 * @param {string} text
 */
export function warn(text) {
  console.error(`${paint('yellow', 'warning:')} ${text}`);
}

/**
 * Prints an error on stderr.
 * @param {string} text
 */
export function error(text) {
  console.error(`${paint('red', 'error:')} ${text}`);
}

/**
 * An error whose message is meant for the person running the command: hub.mjs
 * prints it without a stack trace and exits with `exitCode`.
 */
export class HubError extends Error {
  /**
   * @param {string} message
   * @param {number} [exitCode]
   */
  constructor(message, exitCode = 1) {
    super(message);
    this.name = 'HubError';
    this.exitCode = exitCode;
  }
}
