/**
 * Child processes of the end-to-end hub: started with an explicit
 * environment, their output written to a log file (printed only when a test
 * fails), stopped politely or killed outright.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Node with the workspace's TypeScript sources, as `npm start` runs the services. */
export const NODE_SOURCE_ARGS = ['--conditions=@referral-hub/source', '--import', 'tsx'] as const;

/** Every child started and not yet gone: killed when the test process exits, whatever happened. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Kills (SIGKILL) every child this file started that is still running: the last resort of an `afterAll`. */
export async function killStrays(): Promise<void> {
  const waits = [...live].map((child) => new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  }));
  await Promise.all(waits);
}

/** A port nothing listens on right now (the kernel's choice). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no free port');
  return address.port;
}

export type ProcessSpec = {
  name: string;
  /** Arguments after `node`. */
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Answers 200 once the process is ready. */
  readyUrl: string;
};

export type RunningProcess = {
  readonly spec: ProcessSpec;
  readonly pid: number;
  /** Resolves with the exit code (or signal) once the process is gone. */
  readonly exited: Promise<number | NodeJS.Signals>;
  /** True once the process has exited. */
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once (a crash); resolves when it is gone. */
  kill(): Promise<void>;
};

/**
 * Starts `node <args>` with exactly `spec.env` (plus PATH and HOME), its
 * output appended to `logFile`, and waits until `readyUrl` answers 200.
 * Fails early, naming the log, if the process exits first.
 */
export async function startProcess(spec: ProcessSpec, logFile: string, readyTimeoutMs = 90_000): Promise<RunningProcess> {
  const log = createWriteStream(logFile, { flags: 'a' });
  log.write(`\n===== ${new Date().toISOString()} starting ${spec.name} =====\n`);
  const env: Record<string, string> = { ...spec.env };
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'SystemRoot']) {
    const value = process.env[name];
    if (value !== undefined && env[name] === undefined) env[name] = value;
  }
  const child: ChildProcess = spawn(process.execPath, [...NODE_SOURCE_ARGS, ...spec.args], {
    cwd: spec.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  live.add(child);
  let exitedFlag = false;
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedFlag = true;
      live.delete(child);
      log.write(`===== ${new Date().toISOString()} ${spec.name} exited (${signal ?? code ?? '?'}) =====\n`);
      resolve(signal ?? code ?? 0);
    });
    child.once('error', (error) => {
      exitedFlag = true;
      live.delete(child);
      log.write(`===== ${spec.name} could not start: ${error.message} =====\n`);
      resolve(1);
    });
  });
  if (child.pid === undefined) {
    await exited;
    throw new Error(`${spec.name} could not be started (see ${logFile})`);
  }
  const pid = child.pid;
  const signalAndWait = async (signal: NodeJS.Signals): Promise<void> => {
    if (exitedFlag) return;
    child.kill(signal);
    await exited;
  };
  const running: RunningProcess = {
    spec,
    pid,
    exited,
    hasExited: () => exitedFlag,
    stop: async (graceMs = 10_000) => {
      if (exitedFlag) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    kill: () => signalAndWait('SIGKILL'),
  };

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exitedFlag) throw new Error(`${spec.name} exited before it was ready (see ${logFile})`);
    try {
      const response = await fetch(spec.readyUrl, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) return running;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await running.kill();
      throw new Error(`${spec.name} was not ready at ${spec.readyUrl} after ${readyTimeoutMs} ms (see ${logFile})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The last `lines` lines of every log file, for a failed test's report. */
export async function tailLogs(dir: string, names: readonly string[], lines = 150): Promise<string> {
  const parts: string[] = [];
  for (const name of names) {
    const text = await readFile(join(dir, `${name}.log`), 'utf8').catch(() => '(no log)');
    const tail = text.split('\n').slice(-lines).join('\n');
    parts.push(`----- ${name} (${join(dir, `${name}.log`)}) -----\n${tail}`);
  }
  return parts.join('\n');
}
