import { encodeHistogram, newHistogram, type Histogram } from './histograms.js';

/** One metric's histogram over one closed interval, as a thread ships it to main. */
export interface ClosedInterval {
  readonly metric: string;
  /** ms since the run started (main's clock origin, shared through wall time) */
  readonly startMs: number;
  readonly endMs: number;
  /** encodeIntoCompressedBase64 of the interval's histogram */
  readonly hist: string;
}

/**
 * A thread's histograms, optionally cut into intervals on a grid shared by every thread
 * (multiples of `intervalMs` since the run started), so main can merge the same second
 * from several vCPUs. Hot paths record into `current[m]`, which stays the same object for
 * the whole run: rotating adds it into the run total, encodes and resets it in place.
 * Rotation happens only when the owner calls `rotateIfDue`, at its own step boundaries.
 */
export class IntervalHistograms<M extends string> {
  readonly current: Readonly<Record<M, Histogram>>;
  private readonly totals: Record<M, Histogram> | null;
  private openIndex: number;

  constructor(
    private readonly metrics: readonly M[],
    /** null: no intervals, `current` is the run total */
    private readonly intervalMs: number | null,
    /** ms since the run started */
    private readonly clockMs: () => number,
  ) {
    this.current = build(metrics);
    this.totals = intervalMs === null ? null : build(metrics);
    this.openIndex = this.indexAt(clockMs());
  }

  /** Closes the open interval if the grid has moved past it; [] otherwise (the usual case). */
  rotateIfDue(): ClosedInterval[] {
    if (this.intervalMs === null) return [];
    const now = this.clockMs();
    const index = this.indexAt(now);
    if (index <= this.openIndex) return [];
    return this.close(index * this.intervalMs, index);
  }

  /** Closes the last, partial interval at the current time; call once, at the thread's end. */
  finish(): ClosedInterval[] {
    if (this.intervalMs === null) return [];
    const now = this.clockMs();
    return this.close(Math.max(now, this.openIndex * this.intervalMs), this.indexAt(now));
  }

  /** The run totals, encoded for the thread's final message. */
  encodedTotals(): Record<M, string> {
    const source = this.totals ?? this.current;
    return Object.fromEntries(this.metrics.map((m) => [m, encodeHistogram(source[m])])) as Record<M, string>;
  }

  destroy(): void {
    for (const m of this.metrics) {
      this.current[m].destroy();
      this.totals?.[m].destroy();
    }
  }

  private close(endMs: number, nextIndex: number): ClosedInterval[] {
    const startMs = this.openIndex * (this.intervalMs ?? 0);
    const out = this.metrics.map((metric) => {
      const h = this.current[metric];
      this.totals![metric].add(h);
      const hist = encodeHistogram(h);
      h.reset();
      return { metric, startMs, endMs, hist };
    });
    this.openIndex = nextIndex;
    return out;
  }

  private indexAt(ms: number): number {
    return Math.max(0, Math.floor(ms / (this.intervalMs ?? Infinity)));
  }
}

function build<M extends string>(metrics: readonly M[]): Record<M, Histogram> {
  return Object.fromEntries(metrics.map((m) => [m, newHistogram()])) as Record<M, Histogram>;
}
