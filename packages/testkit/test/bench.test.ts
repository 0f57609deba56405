import { describe, expect, it } from 'vitest';
import { benchRowLine, median, percentile } from '../src/bench.js';

describe('bench kit', () => {
  it('takes the middle value of an odd count and the mean of the two middle ones of an even count', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('reads percentiles from sorted values at the nearest rank below', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 0.5)).toBe(51);
    expect(percentile(sorted, 0.99)).toBe(100);
    expect(percentile(sorted, 1)).toBe(100);
    expect(percentile([], 0.5)).toBeNaN();
  });

  it('prints a BENCH_ROW line with the fields in the interface order, whatever order they are given in', () => {
    const line = benchRowLine({ met: true, goal: '>= 0.5', ratioText: '0.51', ratio: 0.51, bare: '370 /s', hub: '190 /s (p50 98 ms)', path: 'create + submit a referral', id: 'create-submit' });
    expect(line).toBe(
      'BENCH_ROW {"id":"create-submit","path":"create + submit a referral","hub":"190 /s (p50 98 ms)","bare":"370 /s","ratio":0.51,"ratioText":"0.51","goal":">= 0.5","met":true}',
    );
    expect(JSON.parse(line.slice('BENCH_ROW '.length))).toMatchObject({ ratio: 0.51, met: true });
  });
});
