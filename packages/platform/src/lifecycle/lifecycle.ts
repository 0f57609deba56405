import type { Logger } from '../logging/logger.js';

export type StopStep = () => Promise<void> | void;

export type LifecycleOptions = {
  /** Longest a single stop step may take before the next one runs. Default 10 s. */
  stepTimeoutMs?: number;
  /** How the process ends after a signal; tests replace it. Default `process.exit`. */
  exit?: (code: number) => void;
};

export type Lifecycle = {
  /**
   * Registers a step to run on stop. Register resources in start order
   * (HTTP server, consumers, relay, queues, database, broker): steps run in
   * reverse, so what was started last stops first.
   */
  onStop(name: string, step: StopStep, options?: { timeoutMs?: number }): void;
  /** Runs every step once; later calls return the same promise. Never rejects. */
  stop(): Promise<void>;
  /** True once `stop` has been called. */
  readonly stopping: boolean;
  /**
   * SIGTERM/SIGINT → stop, then exit 0; a second signal while stopping exits 1
   * at once. Returns a function removing the handlers.
   */
  installSignalHandlers(): () => void;
};

type Registered = { name: string; step: StopStep; timeoutMs: number };

class StopTimeout extends Error {
  constructor(name: string, timeoutMs: number) {
    super(`stop step ${name} did not finish within ${timeoutMs} ms`);
    this.name = 'StopTimeout';
  }
}

async function runStep({ name, step, timeoutMs }: Registered): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(step),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new StopTimeout(name, timeoutMs)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Ordered, idempotent shutdown for one service process. */
export function createLifecycle(logger: Logger, options: LifecycleOptions = {}): Lifecycle {
  const steps: Registered[] = [];
  const defaultTimeoutMs = options.stepTimeoutMs ?? 10_000;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopped: Promise<void> | undefined;

  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      logger.info({ steps: steps.length }, 'stopping');
      for (const registered of [...steps].reverse()) {
        const started = performance.now();
        try {
          await runStep(registered);
          logger.info({ step: registered.name, durationMs: Math.round(performance.now() - started) }, 'stopped');
        } catch (error) {
          // Keep going: one stuck resource must not keep the others open.
          logger.error({ step: registered.name, err: error }, 'stop step failed');
        }
      }
      logger.info('stopped all');
    })();
    return stopped;
  };

  return {
    onStop(name, step, stepOptions) {
      if (stopped !== undefined) {
        // Something finished starting after shutdown began: it would never be stopped.
        throw new Error(`cannot register stop step ${name}: the lifecycle is already stopping`);
      }
      steps.push({ name, step, timeoutMs: stepOptions?.timeoutMs ?? defaultTimeoutMs });
    },
    stop,
    get stopping() {
      return stopped !== undefined;
    },
    installSignalHandlers() {
      const onSignal = (signal: NodeJS.Signals) => {
        if (stopped !== undefined) {
          logger.warn({ signal }, 'second signal while stopping; exiting now');
          exit(1);
          return;
        }
        logger.info({ signal }, 'signal received');
        void stop().then(() => exit(0));
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      return () => {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      };
    },
  };
}
