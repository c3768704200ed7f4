import { build, HistogramLogReader, initWebAssemblySync, listTags, type Histogram } from 'hdr-histogram-js';
import { afterEach, describe, expect, it } from 'vitest';
import { HdrLogError, writeHdrLog, type HdrInterval } from '../../../src/metrics/hdr-log.js';

const RUN_START_MS = Date.UTC(2026, 10, 1, 12, 0, 0);
const INTERVAL_MS = 1000;
/** per interval: how many values each metric records */
const COUNTS = {
  pause: [120, 80, 200],
  copy: [40, 0, 65],
} as const;

const made: Histogram[] = [];
function wasmHistogram(): Histogram {
  const h = build({ useWebAssembly: true, numberOfSignificantValueDigits: 3 });
  made.push(h);
  return h;
}

function makeIntervals(): HdrInterval[] {
  initWebAssemblySync();
  const intervals: HdrInterval[] = [];
  for (const [metric, counts] of Object.entries(COUNTS)) {
    counts.forEach((count, i) => {
      const histogram = wasmHistogram();
      for (let v = 1; v <= count; v++) histogram.recordValue(100 * v); // µs
      intervals.push({ metric, startMs: i * INTERVAL_MS, endMs: (i + 1) * INTERVAL_MS, histogram });
    });
  }
  return intervals;
}

afterEach(() => {
  // WebAssembly histograms live outside the JS heap until destroyed.
  for (const h of made.splice(0)) h.destroy();
});

describe('writeHdrLog', () => {
  it('writes the standard header and reads back per tag with HistogramLogReader', () => {
    const log = writeHdrLog(makeIntervals(), { runStartMs: RUN_START_MS, comment: 'hbft-emu test' });
    const lines = log.split('\n');
    expect(lines[0]).toBe('#[hbft-emu test]');
    expect(lines[1]).toBe('#[Histogram log format version 1.3]');
    expect(lines[2]).toMatch(/^#\[StartTime: 1793534400\.000 \(seconds since epoch\), /);
    expect(lines[3]).toBe('#[BaseTime: 1793534400.000 (seconds since epoch)]');
    expect(lines[4]).toBe('"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"');
    expect(lines[5]).toMatch(/^Tag=copy,0\.000,1\.000,4\.000,HIST/);
    expect(listTags(log).sort()).toEqual(['copy', 'pause']);

    const reader = new HistogramLogReader(log, 32, true);
    const seen: Record<string, number[]> = { pause: [], copy: [] };
    const starts: Record<string, number[]> = { pause: [], copy: [] };
    for (let h = reader.nextIntervalHistogram(); h !== null; h = reader.nextIntervalHistogram()) {
      seen[h.tag]?.push(h.totalCount);
      starts[h.tag]?.push(h.startTimeStampMsec - RUN_START_MS);
      h.destroy();
    }
    expect(seen).toEqual({ pause: [...COUNTS.pause], copy: [...COUNTS.copy] });
    expect(starts.pause).toEqual([0, 1000, 2000]);
  });

  it("leaves the callers' histogram tags as they were", () => {
    const intervals = makeIntervals();
    const before = intervals.map((iv) => iv.histogram.tag);
    writeHdrLog(intervals, { runStartMs: RUN_START_MS });
    expect(intervals.map((iv) => iv.histogram.tag)).toEqual(before);
  });

  it.each([
    ['a tag with a comma', { metric: 'pa,use', startMs: 0, endMs: 1 }, 'HDR_LOG_BAD_TAG'],
    ['a tag with a space', { metric: 'pa use', startMs: 0, endMs: 1 }, 'HDR_LOG_BAD_TAG'],
    ['an interval that ends before it starts', { metric: 'pause', startMs: 5, endMs: 1 }, 'HDR_LOG_BAD_INTERVAL'],
    ['a negative start', { metric: 'pause', startMs: -1, endMs: 1 }, 'HDR_LOG_BAD_INTERVAL'],
  ])('rejects %s', (_name, iv, code) => {
    initWebAssemblySync();
    const interval = { ...iv, histogram: wasmHistogram() };
    expect(() => writeHdrLog([interval], { runStartMs: RUN_START_MS })).toThrow(
      expect.objectContaining({ code, name: HdrLogError.name }),
    );
  });
});
