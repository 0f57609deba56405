/**
 * One benchmark run at a time on a checkout: a lock file created exclusively,
 * holding the owner's process id. A lock whose owner is gone is taken over; a
 * live one is waited for.
 */
import { mkdirSync, openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export type Lock = { path: string; release: () => void };

function ownerOf(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').split('\n')[0] ?? '', 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryCreate(path: string): boolean {
  try {
    const fd = openSync(path, 'wx', 0o644);
    try {
      writeSync(fd, `${process.pid}\n${new Date().toISOString()}\n`);
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Takes the lock at `path`, waiting (polling every `pollMs`) while another live
 * process holds it; `onWait` is told once whom it waits for.
 */
export async function acquireLock(path: string, options: { pollMs?: number; onWait?: (pid: number | undefined) => void } = {}): Promise<Lock> {
  mkdirSync(dirname(path), { recursive: true });
  let told = false;
  for (;;) {
    if (tryCreate(path)) break;
    const owner = ownerOf(path);
    if (owner !== undefined && !alive(owner)) {
      // Its owner died without releasing it: remove it if it still names that owner, then race for it again.
      if (ownerOf(path) === owner) {
        try {
          unlinkSync(path);
        } catch {
          /* another waiter removed it first */
        }
      }
      continue;
    }
    if (!told) {
      options.onWait?.(owner);
      told = true;
    }
    await sleep(options.pollMs ?? 2_000);
  }
  let released = false;
  return {
    path,
    release: () => {
      if (released) return;
      released = true;
      if (ownerOf(path) === process.pid) {
        try {
          unlinkSync(path);
        } catch {
          /* already gone */
        }
      }
    },
  };
}
