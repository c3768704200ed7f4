import { describe, expect, it } from 'vitest';
import type { EpochRecord } from '../../../src/metrics/results.js';
import { steadyOpsPerSec } from '../../../src/metrics/steady-throughput.js';

function epoch(n: number, atMs: number, ops: number | undefined): EpochRecord {
  return { epoch: n, atMs, pauseUs: 0, quiesceUs: 0, copyUs: 0, dirtyPages: 0, faultsRead: 0, faultsWrite: 0, bytes: 0, ...(ops === undefined ? {} : { ops }) };
}

describe('steady throughput', () => {
  it('counts from the first checkpoint past half the run, so a slow start does not weigh', () => {
    // 1,000 ops per 25 ms in the first half (warm-up), 4,000 per 25 ms after.
    const log: EpochRecord[] = [];
    let ops = 0;
    for (let n = 1; n <= 40; n++) {
      ops += n <= 20 ? 1_000 : 4_000;
      log.push(epoch(n, n * 25, ops));
    }
    // Checkpoint 20 is at 500 ms, half of 1,000: from it to checkpoint 40, 20 x 4,000 ops in 500 ms.
    expect(steadyOpsPerSec(log, 1_000)).toBe(160_000);
    const whole = (ops * 1000) / 1_000;
    expect(whole).toBeLessThan(160_000);
  });

  it('gives null with too few checkpoints past half the run, or results without ops', () => {
    expect(steadyOpsPerSec([], 1_000)).toBeNull();
    expect(steadyOpsPerSec([epoch(1, 600, 10), epoch(2, 700, 20), epoch(3, 800, 30)], 1_000)).toBeNull();
    expect(steadyOpsPerSec([1, 2, 3, 4, 5].map((n) => epoch(n, 500 + n * 50, undefined)), 1_000)).toBeNull();
  });
});
