import {
  CTRL_F64_DEADLINE, CTX_SLOTS, CTX_BYTES, PAGE_SIZE, PML_INDEX, PML_INDEX_EMPTY, PML_WORDS, bitmapWords, ctrlWords,
} from './layout.js';

/** The shared buffers of one VM, as posted to every thread (docs/design.md, Shared memory). */
export interface VmBuffers {
  readonly pages: number;
  readonly vcpus: number;
  readonly ram: SharedArrayBuffer;
  readonly spt: SharedArrayBuffer;
  readonly bitmap: SharedArrayBuffer;
  readonly ctrl: SharedArrayBuffer;
  readonly contexts: readonly SharedArrayBuffer[];
  readonly pml: readonly SharedArrayBuffer[];
}

/** Views over VmBuffers, made once per thread and held in locals on hot paths. */
export interface VmViews {
  readonly pages: number;
  readonly vcpus: number;
  readonly ram8: Uint8Array;
  readonly ram32: Uint32Array;
  readonly ramF64: Float64Array;
  readonly spt: Uint8Array;
  readonly bitmap: Uint32Array;
  readonly ctrl: Int32Array;
  readonly contexts: readonly Float64Array[];
  readonly pml: readonly Int32Array[];
}

export function allocateVm(pages: number, vcpus: number): VmBuffers {
  if (!Number.isInteger(pages) || pages <= 0) throw new RangeError(`allocate VM: bad page count ${pages}`);
  if (!Number.isInteger(vcpus) || vcpus <= 0) throw new RangeError(`allocate VM: bad vCPU count ${vcpus}`);
  const list = (bytes: number) => Array.from({ length: vcpus }, () => new SharedArrayBuffer(bytes));
  const pml = list(PML_WORDS * 4);
  for (const ring of pml) new Int32Array(ring)[PML_INDEX] = PML_INDEX_EMPTY;
  const ctrl = new SharedArrayBuffer(ctrlWords(vcpus) * 4);
  // No epoch timer until a checkpointer sets one (native runs never do).
  new Float64Array(ctrl)[CTRL_F64_DEADLINE] = Infinity;
  return {
    pages,
    vcpus,
    ram: prefaulted(new SharedArrayBuffer(pages * PAGE_SIZE)),
    spt: new SharedArrayBuffer(pages),
    bitmap: new SharedArrayBuffer(bitmapWords(pages) * 4),
    ctrl,
    contexts: list(CTX_BYTES),
    pml,
  };
}

/**
 * Back every page of guest RAM before the guest boots, as QEMU's -mem-prealloc does:
 * otherwise the host kernel zero-fills each page on the guest's first touch, seconds
 * into a run, and that cost (not an HBFT one) lands on whichever mode is running.
 */
function prefaulted(ram: SharedArrayBuffer): SharedArrayBuffer {
  const words = new Int32Array(ram);
  for (let i = 0; i < words.length; i += PAGE_SIZE >>> 2) words[i] = 0;
  return ram;
}

export function attachVm(b: VmBuffers): VmViews {
  return {
    pages: b.pages,
    vcpus: b.vcpus,
    ram8: new Uint8Array(b.ram),
    ram32: new Uint32Array(b.ram),
    ramF64: new Float64Array(b.ram),
    spt: new Uint8Array(b.spt),
    bitmap: new Uint32Array(b.bitmap),
    ctrl: new Int32Array(b.ctrl),
    contexts: b.contexts.map((c) => new Float64Array(c, 0, CTX_SLOTS)),
    pml: b.pml.map((p) => new Int32Array(p)),
  };
}
