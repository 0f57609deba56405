import { describe, expect, it } from 'vitest';
import { createLifecycle } from '../../src/lifecycle/index.js';
import { captureLogger } from '../logging/capture.js';

describe('createLifecycle', () => {
  it('stops in reverse registration order, once, even when called repeatedly', async () => {
    const { logger } = captureLogger();
    const lifecycle = createLifecycle(logger);
    const order: string[] = [];
    for (const name of ['http', 'consumers', 'relay', 'database', 'broker']) {
      lifecycle.onStop(name, async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        order.push(name);
      });
    }
    const first = lifecycle.stop();
    const second = lifecycle.stop();
    await Promise.all([first, second, lifecycle.stop()]);
    expect(order).toEqual(['broker', 'database', 'relay', 'consumers', 'http']);
    expect(lifecycle.stopping).toBe(true);
  });

  it('logs a failing or hanging step and carries on with the others', async () => {
    const { logger, lines } = captureLogger();
    const lifecycle = createLifecycle(logger, { stepTimeoutMs: 50 });
    const order: string[] = [];
    lifecycle.onStop('first', () => {
      order.push('first');
    });
    lifecycle.onStop('hangs', () => new Promise<void>(() => undefined));
    lifecycle.onStop('throws', () => {
      throw new Error('cannot close');
    });
    await lifecycle.stop();
    expect(order).toEqual(['first']);
    const failed = lines().filter((line) => line.msg === 'stop step failed').map((line) => line.step);
    expect(failed).toEqual(['throws', 'hangs']);
  });

  it('refuses new steps once stopping, so nothing is left running', async () => {
    const lifecycle = createLifecycle(captureLogger().logger);
    await lifecycle.stop();
    expect(() => lifecycle.onStop('late', () => undefined)).toThrow(/already stopping/);
  });

  it('stops then exits 0 on SIGTERM, and exits 1 on a second signal', async () => {
    const exits: number[] = [];
    const lifecycle = createLifecycle(captureLogger().logger, { exit: (code) => exits.push(code) });
    let release: () => void = () => undefined;
    let stepRan = false;
    lifecycle.onStop('slow', async () => {
      stepRan = true;
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    const uninstall = lifecycle.installSignalHandlers();
    try {
      process.emit('SIGTERM', 'SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(stepRan).toBe(true);
      process.emit('SIGINT', 'SIGINT');
      expect(exits).toEqual([1]);
      release();
      await lifecycle.stop();
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(exits).toEqual([1, 0]);
    } finally {
      uninstall();
    }
  });
});
