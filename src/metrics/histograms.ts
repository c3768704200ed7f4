import hdr from 'hdr-histogram-js';
import type { LatencySummary } from './results.js';

type Histogram = ReturnType<typeof hdr.build>;
export type { Histogram };

let wasmReady = false;

function ensureWasm(): void {
  if (!wasmReady) {
    hdr.initWebAssemblySync();
    wasmReady = true;
  }
}

/** A microsecond histogram on the WebAssembly build; call once per thread before use. */
export function newHistogram(): Histogram {
  ensureWasm();
  return hdr.build({ useWebAssembly: true, numberOfSignificantValueDigits: 3, lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, autoResize: true });
}

/** Record a duration in µs; sub-µs values count as 1 µs so they are not lost. */
export function recordUs(h: Histogram, us: number): void {
  h.recordValue(Math.max(1, Math.round(us)));
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** Decode one histogram a thread sent (WebAssembly build; the caller destroys it). */
export function decodeHistogram(encoded: string): Histogram {
  ensureWasm();
  return hdr.decodeFromCompressedBase64(encoded, 32, true);
}

/** Decode per-thread histograms and add them into one (on main). */
export function mergeHistograms(encoded: readonly string[]): Histogram {
  const total = newHistogram();
  for (const e of encoded) {
    const part = decodeHistogram(e);
    total.add(part);
    part.destroy();
  }
  return total;
}

export function summarize(h: Histogram): LatencySummary {
  const count = h.totalCount;
  if (count === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  return {
    count,
    mean: round2(h.mean),
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    max: h.maxValue,
  };
}

/** The standard .hgrm percentile table, values in µs. */
export function percentileFile(h: Histogram): string {
  return h.outputPercentileDistribution(5, 1);
}

/** Percentile points for distribution plots (the report's HdrHistogram chart). */
export function percentilePoints(h: Histogram): { percentile: number; valueUs: number }[] {
  if (h.totalCount === 0) return [];
  const out: { percentile: number; valueUs: number }[] = [];
  for (const p of [0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100]) {
    out.push({ percentile: p, valueUs: h.getValueAtPercentile(p) });
  }
  return out;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
