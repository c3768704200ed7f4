/** Summary of one hdr-histogram, in microseconds. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** One checkpoint as the checkpointer saw it; the report's timelines read these. */
export interface EpochRecord {
  epoch: number;
  /** ms since the guest started running */
  atMs: number;
  pauseUs: number;
  quiesceUs: number;
  copyUs: number;
  /** collecting the dirty set and resetting protection (absent in older results) */
  trackUs?: number;
  dirtyPages: number;
  faultsRead: number;
  faultsWrite: number;
  /** pml only: full-ring exits */
  faultsPmlFull?: number;
  /** --copy-at background: the copy after the resume (µs), and the write faults that copied their page first */
  backgroundCopyUs?: number;
  faultsCow?: number;
  /** wfp only: predicted pages written (no fault), predicted but clean, written but not predicted */
  predHits?: number;
  predWasted?: number;
  predMisses?: number;
  /** guest operations completed by this checkpoint, all vCPUs (absent in older results) */
  ops?: number;
  /** bytes of page data handed to the backup */
  bytes: number;
  /** Stream bytes this epoch put on the link (with --compress: after compression). */
  sentBytes?: number;
  /** What the plain (uncompressed) stream encoding of the epoch takes. */
  plainBytes?: number;
}

/** One point of a pause-time distribution, as hdr-histogram-js percentiles give it. */
export interface PercentilePoint {
  /** 0 to 100, HdrHistogram's convention (99.9 means p99.9) */
  percentile: number;
  valueUs: number;
}

/** The results JSON of `hbft run` (version 1). Later tools read it: extend, never rename. */
export interface RunResults {
  version: 1;
  config: Record<string, unknown>;
  mode: string;
  workload: { name: string; ops: number; result: string; verified: boolean | null };
  epochs: number;
  durationMs: number;
  /**
   * opsPerSec: over the whole run. steadyOpsPerSec: between the first checkpoint at or past
   * half the run and the last one, past the first touches and a predictor's warm-up; null
   * with fewer than 4 checkpoints (absent in older results).
   */
  throughput: { opsPerSec: number; steadyOpsPerSec?: number | null };
  faults: { read: number; write: number; [kind: string]: number };
  dirtyPages: { total: number; perEpoch: { mean: number; p50: number; p99: number; max: number } };
  pauseUs: LatencySummary;
  quiesceUs: LatencySummary;
  copyUs: LatencySummary;
  faultServiceUs: LatencySummary;
  backup: {
    committedEpochs: number;
    consistent: boolean | null;
    /** Present when a stream was encoded (socket link, or --stream-out). */
    link?: 'inproc' | 'socket';
    bytesSent?: number;
    plainBytes?: number;
  };
  /** Per-epoch log (epoch 0, the initial full copy, excluded). */
  epochLog: EpochRecord[];
  /** Pause-time percentiles (ascending) for the report's distribution chart; optional so
   * that older results still load: the report falls back to `pauseUs`. */
  pauseDistribution?: PercentilePoint[];
}
