// Generated from supervisor.mjs by scripts/lib/declarations.mjs; do not edit.
export class Supervisor {
    /**
     * @param {{ pretty: boolean, labelWidth: number }} options
     *   pretty: reformat pino JSON lines (when a person watches a terminal);
     *   labelWidth: width the prefixes are padded to so that output lines up
     */
    constructor(options: {
        pretty: boolean;
        labelWidth: number;
    });
    pretty: boolean;
    labelWidth: number;
    /** @type {Running[]} */
    running: Running[];
    stopping: boolean;
    group: number;
    /** @type {(code: number) => void} */
    resolveDone: (code: number) => void;
    /**
     * Resolves with the exit code for hub.mjs once every process has stopped.
     * @type {Promise<number>}
     */
    done: Promise<number>;
    /** @param {ProcessSpec} spec @returns {string} */
    prefix(spec: ProcessSpec): string;
    /**
     * Prints a line of the hub itself under a process's prefix.
     * @param {ProcessSpec} spec
     * @param {string} text
     */
    say(spec: ProcessSpec, text: string): void;
    /**
     * Starts a process and relays its output, line by line, under its prefix.
     * @param {ProcessSpec} spec
     */
    start(spec: ProcessSpec): void;
    /**
     * Polls the process's ready URL until it answers 2xx, the process exits, or
     * the time runs out.
     * @param {ProcessSpec} spec
     * @param {number} timeoutMs
     * @returns {Promise<boolean>}
     */
    waitReady(spec: ProcessSpec, timeoutMs: number): Promise<boolean>;
    /**
     * Stops every process: SIGTERM, then SIGKILL after a grace period. Processes
     * stop in the reverse order of their start (services before the identity
     * provider they depend on). Calling it again while stopping kills at once.
     * @param {number} exitCode exit code hub.mjs ends with
     * @returns {Promise<void>}
     */
    stop(exitCode: number): Promise<void>;
    /** @param {Running} entry */
    stopOne(entry: Running): Promise<void>;
    /**
     * Marks the processes started from now on as a later group (stopped first).
     */
    nextGroup(): void;
}
export type ProcessSpec = {
    /**
     * label shown in the output prefix
     */
    name: string;
    /**
     * colour name from ui.mjs for the prefix
     */
    colour: string;
    /**
     * executable
     */
    command: string;
    args: string[];
    cwd: string;
    env: NodeJS.ProcessEnv;
    /**
     * URL that answers 2xx once the process can serve
     */
    readyUrl: string;
};
export type Running = {
    spec: ProcessSpec;
    child: import("node:child_process").ChildProcess;
    exited: Promise<void>;
    alive: boolean;
    /**
     * start order group; later groups stop first
     */
    group: number;
};
