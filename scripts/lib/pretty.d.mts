// Generated from pretty.mjs by scripts/lib/declarations.mjs; do not edit.
/**
 * Formats one output line of a service. Returns the line unchanged when it is
 * not a pino JSON object.
 * @param {string} line
 * @param {Painter} paint
 * @returns {string}
 */
export function formatLogLine(line: string, paint: Painter): string;
export type Painter = (name: "red" | "yellow" | "green" | "gray" | "dim" | "magenta" | "bold", text: string) => string;
