// Generated from ui.mjs by scripts/lib/declarations.mjs; do not edit.
/**
 * Wraps text in an ANSI colour when colour is enabled.
 * @param {keyof typeof codes} name
 * @param {string} text
 * @returns {string}
 */
export function paint(name: keyof typeof codes, text: string): string;
/** @returns {boolean} whether output goes to a terminal that shows colours */
export function coloursEnabled(): boolean;
/**
 * Prints a step heading, e.g. "› installing dependencies".
 * @param {string} text
 */
export function step(text: string): void;
/**
 * Prints an informational line.
 * @param {string} text
 */
export function info(text: string): void;
/**
 * Prints a warning on stderr.
 * @param {string} text
 */
export function warn(text: string): void;
/**
 * Prints an error on stderr.
 * @param {string} text
 */
export function error(text: string): void;
/**
 * An error whose message is meant for the person running the command: hub.mjs
 * prints it without a stack trace and exits with `exitCode`.
 */
export class HubError extends Error {
    /**
     * @param {string} message
     * @param {number} [exitCode]
     */
    constructor(message: string, exitCode?: number);
    exitCode: number;
}
declare namespace codes {
    let reset: number;
    let bold: number;
    let dim: number;
    let red: number;
    let green: number;
    let yellow: number;
    let blue: number;
    let magenta: number;
    let cyan: number;
    let gray: number;
    let brightBlue: number;
    let brightMagenta: number;
    let brightCyan: number;
}
export {};
