import type { Logger } from '../logging/index.js';

/** A job started by {@link startPeriodicJob}. */
export type PeriodicJob = {
  /** Cancels the next run and waits for the one in flight. */
  stop(): Promise<void>;
};

/**
 * Runs `run` every `intervalMs`, one run at a time (the next waits for the
 * previous to finish, then for the interval), starting after
 * `firstRunAfterMs` (default: at most one second). A failed run is logged and
 * the next one tries again: jobs are expected to commit their work in their
 * own transactions, so a failure leaves nothing half-done. The timer never
 * keeps the process alive.
 */
export function startPeriodicJob(options: {
  name: string;
  intervalMs: number;
  firstRunAfterMs?: number;
  logger: Logger;
  run: () => Promise<void>;
}): PeriodicJob {
  const logger = options.logger.child({ job: options.name });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const schedule = (delayMs: number): void => {
    timer = setTimeout(tick, delayMs);
    timer.unref();
  };
  const tick = (): void => {
    timer = undefined;
    running = options
      .run()
      .catch((error: unknown) => logger.error({ err: error }, `${options.name} failed; the next run will try again`))
      .finally(() => {
        running = undefined;
        if (!stopped) schedule(options.intervalMs);
      });
  };
  schedule(options.firstRunAfterMs ?? Math.min(options.intervalMs, 1000));

  return {
    stop: async () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
    },
  };
}
