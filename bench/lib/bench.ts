/** One row of `npm run bench` (and of --json): a ratio (or latency) and its goal. */
export interface BenchRow {
  readonly name: string;
  /** Median over the repetitions; null when skipped. */
  readonly value: number | null;
  readonly unit: string;
  /** Human-readable goal, e.g. ">= 0.8"; "report" for rows without a goal. */
  readonly goal: string;
  /** null when the row has no goal or was skipped. */
  readonly met: boolean | null;
  /** [min, max] over the repetitions; null when skipped. */
  readonly spread: [number, number] | null;
  /** Repetitions behind the median. */
  readonly reps?: number;
  /** Why a row was skipped, or what it depends on. */
  readonly note?: string;
}

export interface BenchContext {
  /** Repetitions per benchmark (at least 5). */
  readonly reps: number;
  readonly log: (line: string) => void;
}

export interface Benchmark {
  readonly name: string;
  readonly run: (ctx: BenchContext) => Promise<BenchRow[]>;
}

export interface Goal {
  readonly text: string;
  readonly met: (value: number) => boolean;
}

export const atLeast = (x: number): Goal => ({ text: `>= ${x}`, met: (v) => v >= x });
export const atMost = (x: number): Goal => ({ text: `<= ${x}`, met: (v) => v <= x });
export const REPORT_ONLY: Goal = { text: 'report', met: () => true };

/** A row from repeated samples: median, [min, max], goal check. */
export function row(name: string, unit: string, goal: Goal, samples: readonly number[], note?: string): BenchRow {
  if (samples.length === 0) return skipped(name, unit, goal, note ?? 'no samples');
  const s = [...samples].sort((a, b) => a - b);
  const m = s.length >>> 1;
  const value = s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
  return {
    name, value: round(value), unit, goal: goal.text, met: goal === REPORT_ONLY ? null : goal.met(value),
    spread: [round(s[0]), round(s[s.length - 1])], reps: samples.length, ...(note ? { note } : {}),
  };
}

export function skipped(name: string, unit: string, goal: Goal, note: string): BenchRow {
  return { name, value: null, unit, goal: goal.text, met: null, spread: null, note: `skipped: ${note}` };
}

function round(x: number): number {
  return Number(x.toPrecision(4));
}
