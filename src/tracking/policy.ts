import type { FaultKind } from '../vm/layout.js';

export const TRACKED_MODES = ['logdirty', 'rfr', 'wfp', 'dbit', 'pml'] as const;
export const MODES = ['native', ...TRACKED_MODES] as const;
export type Mode = (typeof MODES)[number];
export type TrackedMode = (typeof TRACKED_MODES)[number];

/**
 * One tracking mode (docs/design.md, Tracking modes). The same class runs in two threads over the same shared
 * buffers: the tracker calls serviceFault while vCPUs run; the checkpointer calls the
 * rest while every vCPU is parked.
 */
export interface TrackingPolicy {
  readonly mode: TrackedMode;
  /** Tracker: resolve one fault of vCPU `vcpu` on page `pfn`. */
  serviceFault(kind: FaultKind, pfn: number, vcpu: number): void;
  /** Checkpointer, after the initial full copy: protection for epoch 1. */
  start(): void;
  /** Checkpointer: the pages dirtied this epoch, ascending; harvests what it reads. */
  collectDirty(): Uint32Array;
  /** Checkpointer, after the copy: protection for the next epoch. */
  resetForEpoch(dirty: Uint32Array): void;
  /** wfp: how the last collected epoch's prediction fared; null in other modes. */
  predictorCounts(): PredictorCounts | null;
}

export interface PredictorCounts {
  readonly predicted: number;
  /** predicted and written: copied without a write fault */
  readonly hits: number;
  /** predicted, not written: write permission granted for nothing */
  readonly wasted: number;
  /** written, not predicted: took a write fault */
  readonly misses: number;
}

/** What the fault-servicing threads (the tracker, a vCPU handling its own fault) need of a mode. */
export type FaultHandler = Pick<TrackingPolicy, 'serviceFault'>;

export interface PolicyOptions {
  readonly predictor: string;
}

/** Modes whose vCPUs log dirty pages to their PML ring. */
export function usesPmlRing(mode: Mode): boolean {
  return mode === 'pml';
}
