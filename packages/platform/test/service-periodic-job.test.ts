import { describe, expect, it } from 'vitest';
import { createLogger, startPeriodicJob } from '../src/index.js';

const logger = createLogger({ service: 'test', version: '0', level: 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('periodic jobs', () => {
  it('run one at a time, again after a failure, and stop waits for the run in flight', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    let finished = 0;
    const job = startPeriodicJob({
      name: 'probe',
      intervalMs: 5,
      firstRunAfterMs: 0,
      logger,
      run: async () => {
        runs += 1;
        active += 1;
        maxActive = Math.max(maxActive, active);
        await sleep(20);
        active -= 1;
        finished += 1;
        if (runs === 1) throw new Error('first run fails');
      },
    });
    await expect.poll(() => runs, { timeout: 2000 }).toBeGreaterThanOrEqual(3);
    await job.stop();
    expect(maxActive).toBe(1);
    expect(finished).toBe(runs);
    const after = runs;
    await sleep(50);
    expect(runs).toBe(after);
  });
});
