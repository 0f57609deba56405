// Runs the local processes of `hub start` side by side: prefixed output, an
// orderly stop on Ctrl-C or SIGTERM, and everything stops if one dies.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { formatLogLine } from './pretty.mjs';
import { paint } from './ui.mjs';

/**
 * @typedef {object} ProcessSpec
 * @property {string} name     label shown in the output prefix
 * @property {string} colour   colour name from ui.mjs for the prefix
 * @property {string} command  executable
 * @property {string[]} args
 * @property {string} cwd
 * @property {NodeJS.ProcessEnv} env
 * @property {string} readyUrl URL that answers 2xx once the process can serve
 */

/**
 * @typedef {object} Running
 * @property {ProcessSpec} spec
 * @property {import('node:child_process').ChildProcess} child
 * @property {Promise<void>} exited
 * @property {boolean} alive
 * @property {number} group   start order group; later groups stop first
 */

const STOP_GRACE_MS = 15_000;

export class Supervisor {
  /**
   * @param {{ pretty: boolean, labelWidth: number }} options
   *   pretty: reformat pino JSON lines (when a person watches a terminal);
   *   labelWidth: width the prefixes are padded to so that output lines up
   */
  constructor(options) {
    this.pretty = options.pretty;
    this.labelWidth = options.labelWidth;
    /** @type {Running[]} */
    this.running = [];
    this.stopping = false;
    this.group = 0;
    /** @type {(code: number) => void} */
    this.resolveDone = () => {};
    /**
     * Resolves with the exit code for hub.mjs once every process has stopped.
     * @type {Promise<number>}
     */
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    // Last resort if hub.mjs itself fails: never leave servers behind.
    process.once('exit', () => {
      for (const entry of this.running) if (entry.alive) entry.child.kill('SIGKILL');
    });
  }

  /** @param {ProcessSpec} spec @returns {string} */
  prefix(spec) {
    return paint(/** @type {Parameters<typeof paint>[0]} */ (spec.colour), `[${spec.name}]`.padEnd(this.labelWidth + 2));
  }

  /**
   * Prints a line of the hub itself under a process's prefix.
   * @param {ProcessSpec} spec
   * @param {string} text
   */
  say(spec, text) {
    console.log(`${this.prefix(spec)} ${text}`);
  }

  /**
   * Starts a process and relays its output, line by line, under its prefix.
   * @param {ProcessSpec} spec
   */
  start(spec) {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: Ctrl-C reaches only the hub, which then stops
      // the services in order instead of all of them racing at once.
      detached: process.platform !== 'win32',
    });
    /** @type {Running} */
    const entry = { spec, child, alive: true, group: this.group, exited: Promise.resolve() };
    entry.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        entry.alive = false;
        if (!this.stopping) {
          const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
          this.say(spec, paint('red', `${spec.name} ${how} unexpectedly; stopping everything`));
          void this.stop(1);
        }
        resolve();
      });
      child.once('error', (err) => {
        entry.alive = false;
        this.say(spec, paint('red', `could not start: ${err.message}`));
        if (!this.stopping) void this.stop(1);
        resolve();
      });
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        const text = this.pretty ? formatLogLine(line, paint) : line;
        for (const part of text.split('\n')) console.log(`${this.prefix(spec)} ${part}`);
      });
    }
    this.running.push(entry);
  }

  /**
   * Polls the process's ready URL until it answers 2xx, the process exits, or
   * the time runs out.
   * @param {ProcessSpec} spec
   * @param {number} timeoutMs
   * @returns {Promise<boolean>}
   */
  async waitReady(spec, timeoutMs) {
    const entry = this.running.find((candidate) => candidate.spec === spec);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && entry?.alive && !this.stopping) {
      try {
        const response = await fetch(spec.readyUrl, { signal: AbortSignal.timeout(2_000) });
        await response.body?.cancel();
        if (response.ok) return true;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return false;
  }

  /**
   * Stops every process: SIGTERM, then SIGKILL after a grace period. Processes
   * stop in the reverse order of their start (services before the identity
   * provider they depend on). Calling it again while stopping kills at once.
   * @param {number} exitCode exit code hub.mjs ends with
   * @returns {Promise<void>}
   */
  async stop(exitCode) {
    if (this.stopping) {
      for (const entry of this.running) if (entry.alive) entry.child.kill('SIGKILL');
      return;
    }
    this.stopping = true;
    // Processes started together stop together; earlier groups (the identity
    // provider) stop last.
    const groups = [...new Set(this.running.map((entry) => entry.group))].sort((a, b) => b - a);
    for (const group of groups) {
      const members = this.running.filter((entry) => entry.group === group && entry.alive);
      await Promise.all(members.map((entry) => this.stopOne(entry)));
    }
    this.resolveDone(exitCode);
  }

  /** @param {Running} entry */
  async stopOne(entry) {
    entry.child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (!entry.alive) return;
      this.say(entry.spec, paint('yellow', `still running after ${STOP_GRACE_MS / 1000}s; killing it`));
      entry.child.kill('SIGKILL');
    }, STOP_GRACE_MS);
    await entry.exited;
    clearTimeout(timer);
  }

  /**
   * Marks the processes started from now on as a later group (stopped first).
   */
  nextGroup() {
    this.group += 1;
  }
}
