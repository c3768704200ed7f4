// Reference fault counts for every tracking mode (docs/design.md, Tracking modes), computed the simplest way
// from a list of page accesses, with no emulator code: tracking-mode tests compare the
// emulator's per-epoch counts in deterministic mode (docs/design.md, Determinism: one vCPU, --epoch-ops N)
// against these. Epoch k holds operations [k*N, (k+1)*N); the last epoch may be partial
// (the final checkpoint commits it: docs/design.md, Epoch protocol). Epoch k here is the k-th epoch of guest
// operations, whatever number the checkpointer gives it. pml log-full exits are modelled
// for one vCPU, whose log the checkpoint drains at every epoch end (Intel's PML: the
// index runs 511 down to 0, and the log attempted with it out of range exits).

/** One page touched by an operation; an operation's accesses are in the order made. */
export interface RefAccess {
  readonly page: number;
  readonly write: boolean;
}
export type RefOp = readonly RefAccess[];

export type RefMode = 'native' | 'logdirty' | 'rfr' | 'wfp' | 'dbit' | 'pml';
export const REF_MODES: readonly RefMode[] = ['native', 'logdirty', 'rfr', 'wfp', 'dbit', 'pml'];

export interface RefEpoch {
  readonly epoch: number;
  readonly ops: number;
  readonly readFaults: number;
  readonly writeFaults: number;
  /** Dirty(e): the pages written in the epoch, ascending (empty in native: no tracking). */
  readonly dirtyPages: readonly number[];
  /** wfp only (0 elsewhere): |Predicted|, |Predicted ∩ Dirty|, |Predicted \ Dirty|, write faults. */
  readonly predicted: number;
  readonly hits: number;
  readonly wasted: number;
  readonly misses: number;
  /** dbit and pml only (0 elsewhere): D bits set by a write without a fault, i.e. PML ring appends. */
  readonly dirtyBitSets: number;
  /** pml only (0 elsewhere): log-full exits, one on the 513th, 1,025th, ... append of the epoch. */
  readonly pmlFull: number;
}

/** Log-full exits of `appends` PML logs after a drain: the 513th finds the index out of range. */
export function pmlFullExits(appends: number): number {
  return appends === 0 ? 0 : Math.floor((appends - 1) / 512);
}

export interface RefTotals {
  readonly epochs: number;
  readonly readFaults: number;
  readonly writeFaults: number;
  readonly dirty: number;
  readonly hits: number;
  readonly wasted: number;
  readonly misses: number;
  readonly dirtyBitSets: number;
  readonly pmlFull: number;
}

/** The accesses of each epoch, and for each the first access kind of each page. */
interface EpochAccesses {
  readonly epoch: number;
  readonly ops: number;
  /** page -> true when the first access to it in this epoch is a write */
  readonly firstInEpoch: Map<number, boolean>;
  /** pages whose first access ever is in this epoch: page -> first access is a write */
  readonly firstEver: Map<number, boolean>;
  readonly written: Set<number>;
}

function splitEpochs(ops: readonly RefOp[], epochOps: number): EpochAccesses[] {
  if (!Number.isInteger(epochOps) || epochOps <= 0) throw new RangeError(`reference counts: bad epoch length ${epochOps}`);
  const everSeen = new Set<number>();
  const epochs: EpochAccesses[] = [];
  for (let start = 0; start < ops.length; start += epochOps) {
    const end = Math.min(ops.length, start + epochOps);
    const e: EpochAccesses = {
      epoch: epochs.length,
      ops: end - start,
      firstInEpoch: new Map(),
      firstEver: new Map(),
      written: new Set(),
    };
    for (let i = start; i < end; i++) {
      for (const { page, write } of ops[i]) {
        if (!e.firstInEpoch.has(page)) e.firstInEpoch.set(page, write);
        if (!everSeen.has(page)) {
          everSeen.add(page);
          e.firstEver.set(page, write);
        }
        if (write) e.written.add(page);
      }
    }
    epochs.push(e);
  }
  return epochs;
}

function countTrue(m: Map<number, boolean>, want: boolean): number {
  let n = 0;
  for (const v of m.values()) if (v === want) n++;
  return n;
}

function sorted(s: Set<number>): number[] {
  return [...s].sort((a, b) => a - b);
}

function epochOf(e: EpochAccesses, fields: Partial<RefEpoch>): RefEpoch {
  return {
    epoch: e.epoch,
    ops: e.ops,
    readFaults: 0,
    writeFaults: 0,
    dirtyPages: sorted(e.written),
    predicted: 0,
    hits: 0,
    wasted: 0,
    misses: 0,
    dirtyBitSets: 0,
    pmlFull: 0,
    ...fields,
  };
}

/** native: no tracking and no checkpoints, so no faults and no dirty set. */
export function nativeCounts(ops: readonly RefOp[], epochOps: number): RefEpoch[] {
  return splitEpochs(ops, epochOps).map((e) => epochOf(e, { dirtyPages: [] }));
}

/** logdirty: every entry dropped at epoch start; read fault = first access in epoch is a read. */
export function logdirtyCounts(ops: readonly RefOp[], epochOps: number): RefEpoch[] {
  return splitEpochs(ops, epochOps).map((e) =>
    epochOf(e, { readFaults: countTrue(e.firstInEpoch, false), writeFaults: e.written.size }),
  );
}

/** rfr: P kept, so only a page's first access ever can read-fault; every written page write-faults. */
export function rfrCounts(ops: readonly RefOp[], epochOps: number): RefEpoch[] {
  return splitEpochs(ops, epochOps).map((e) =>
    epochOf(e, { readFaults: countTrue(e.firstEver, false), writeFaults: e.written.size }),
  );
}

/**
 * wfp with predictor `last`: Predicted(e) = Dirty(e-1), Predicted(0) = {}. These counts
 * hold only if each epoch start revokes W on Predicted(e-1) \ Dirty(e-1) as well as on
 * Dirty(e-1): a wasted prediction left writable would take no fault when written later.
 */
export function wfpLastCounts(ops: readonly RefOp[], epochOps: number): RefEpoch[] {
  let predicted = new Set<number>();
  return splitEpochs(ops, epochOps).map((e) => {
    let hits = 0;
    for (const p of e.written) if (predicted.has(p)) hits++;
    const misses = e.written.size - hits;
    const out = epochOf(e, {
      readFaults: countTrue(e.firstEver, false),
      writeFaults: misses,
      predicted: predicted.size,
      hits,
      wasted: predicted.size - hits,
      misses,
    });
    predicted = e.written;
    return out;
  });
}

/** dbit and pml: pages stay P|W once touched, so each page faults once ever, by its first access. */
export function dbitCounts(ops: readonly RefOp[], epochOps: number): RefEpoch[] {
  return splitEpochs(ops, epochOps).map((e) => {
    const writeFaults = countTrue(e.firstEver, true);
    // A write fault installs D itself; every other dirty page had D set by the vCPU.
    return epochOf(e, { readFaults: countTrue(e.firstEver, false), writeFaults, dirtyBitSets: e.written.size - writeFaults });
  });
}

export function referenceCounts(mode: RefMode, ops: readonly RefOp[], epochOps: number): RefEpoch[] {
  switch (mode) {
    case 'native': return nativeCounts(ops, epochOps);
    case 'logdirty': return logdirtyCounts(ops, epochOps);
    case 'rfr': return rfrCounts(ops, epochOps);
    case 'wfp': return wfpLastCounts(ops, epochOps);
    case 'dbit': return dbitCounts(ops, epochOps);
    case 'pml': return dbitCounts(ops, epochOps).map((e) => ({ ...e, pmlFull: pmlFullExits(e.dirtyBitSets) }));
  }
}

export function totalCounts(epochs: readonly RefEpoch[]): RefTotals {
  const t = { epochs: epochs.length, readFaults: 0, writeFaults: 0, dirty: 0, hits: 0, wasted: 0, misses: 0, dirtyBitSets: 0, pmlFull: 0 };
  for (const e of epochs) {
    t.readFaults += e.readFaults;
    t.writeFaults += e.writeFaults;
    t.dirty += e.dirtyPages.length;
    t.hits += e.hits;
    t.wasted += e.wasted;
    t.misses += e.misses;
    t.dirtyBitSets += e.dirtyBitSets;
    t.pmlFull += e.pmlFull;
  }
  return t;
}

const LACKEY_LINE = /^\s*([ILSM])\s+([0-9a-fA-F]+),(\d+)\s*$/;
const PAGE_SHIFT_BIG = 12n;

/**
 * The page accesses of a lackey trace, by a deliberately naive route (regex, BigInt) that
 * shares nothing with src/guest/workloads/trace: L and I read every page the access spans, S
 * writes them, M reads them all then writes them all. Guest pages are numbered by first touch.
 */
export function refOpsFromLackey(text: string, ifetch: boolean): RefOp[] {
  const numbers = new Map<bigint, number>();
  const guest = (host: bigint): number => {
    let g = numbers.get(host);
    if (g === undefined) {
      g = numbers.size;
      numbers.set(host, g);
    }
    return g;
  };
  const ops: RefOp[] = [];
  for (const line of text.split('\n')) {
    const m = LACKEY_LINE.exec(line);
    if (m === null) continue;
    const [, kind, hex, size] = m;
    if (kind === 'I' && !ifetch) continue;
    const addr = BigInt(`0x${hex}`);
    const pages: number[] = [];
    for (let p = addr >> PAGE_SHIFT_BIG; p <= (addr + BigInt(size) - 1n) >> PAGE_SHIFT_BIG; p++) pages.push(guest(p));
    const reads = pages.map((page) => ({ page, write: false }));
    const writes = pages.map((page) => ({ page, write: true }));
    ops.push(kind === 'S' ? writes : kind === 'M' ? [...reads, ...writes] : reads);
  }
  return ops;
}

/** Distinct pages a list of operations touches. */
export function refPageCount(ops: readonly RefOp[]): number {
  const pages = new Set<number>();
  for (const op of ops) for (const a of op) pages.add(a.page);
  return pages.size;
}
