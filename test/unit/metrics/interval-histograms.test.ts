import { afterEach, describe, expect, it } from 'vitest';
import { HdrIntervalLog } from '../../../src/metrics/hdr-interval-log.js';
import { decodeHistogram, recordUs } from '../../../src/metrics/histograms.js';
import { IntervalHistograms, type ClosedInterval } from '../../../src/metrics/interval-histograms.js';

const made: { destroy(): void }[] = [];
afterEach(() => made.splice(0).forEach((x) => x.destroy()));

function clock(start: number) {
  const c = { ms: start, now: () => c.ms };
  return c;
}

function counts(ivs: readonly ClosedInterval[]): number[] {
  return ivs.map((iv) => {
    const h = decodeHistogram(iv.hist);
    const n = h.totalCount;
    h.destroy();
    return n;
  });
}

describe('IntervalHistograms', () => {
  it('rotates only once the grid passes a boundary, and keeps the run total', () => {
    const c = clock(250);
    const h = new IntervalHistograms(['pause'], 1000, c.now);
    made.push(h);
    const pause = h.current.pause;
    recordUs(pause, 10);
    c.ms = 999;
    expect(h.rotateIfDue()).toEqual([]);
    recordUs(pause, 20);
    c.ms = 1003; // the owner's next step after the second ended
    const first = h.rotateIfDue();
    expect(first.map(({ metric, startMs, endMs }) => ({ metric, startMs, endMs }))).toEqual([{ metric: 'pause', startMs: 0, endMs: 1000 }]);
    expect(counts(first)).toEqual([2]);
    expect(h.current.pause).toBe(pause); // the hot path's reference stays valid
    recordUs(pause, 30);
    c.ms = 3500; // parked for two seconds: one interval spans them
    const second = h.rotateIfDue();
    expect(second.map((iv) => [iv.startMs, iv.endMs])).toEqual([[1000, 3000]]);
    recordUs(pause, 40);
    c.ms = 3700;
    const last = h.finish();
    expect(last.map((iv) => [iv.startMs, iv.endMs])).toEqual([[3000, 3700]]);
    expect(counts([...second, ...last])).toEqual([1, 1]);
    const total = decodeHistogram(h.encodedTotals().pause);
    expect(total.totalCount).toBe(4);
    total.destroy();
  });

  it('without a grid never rotates and the current histogram is the total', () => {
    const c = clock(0);
    const h = new IntervalHistograms(['copy', 'pause'], null, c.now);
    made.push(h);
    recordUs(h.current.copy, 5);
    c.ms = 10_000;
    expect(h.rotateIfDue()).toEqual([]);
    expect(h.finish()).toEqual([]);
    const total = decodeHistogram(h.encodedTotals().copy);
    expect(total.totalCount).toBe(1);
    total.destroy();
  });
});

describe('HdrIntervalLog', () => {
  it('merges the same second from two vCPUs into one line that ends with the later one', () => {
    const c = clock(0);
    const a = new IntervalHistograms(['faultService'], 1000, c.now);
    const b = new IntervalHistograms(['faultService'], 1000, c.now);
    made.push(a, b);
    recordUs(a.current.faultService, 3);
    recordUs(b.current.faultService, 4);
    recordUs(b.current.faultService, 5);
    const log = new HdrIntervalLog();
    made.push(log);
    c.ms = 600;
    a.finish().forEach((iv) => log.add(iv));
    c.ms = 800;
    b.finish().forEach((iv) => log.add(iv));
    expect(log.size).toBe(1);
    const text = log.render(Date.UTC(2026, 0, 1), 'test');
    expect(text).toMatch(/^Tag=faultService,0\.000,0\.800,/m);
  });
});
