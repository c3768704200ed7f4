// Shared fixtures of the stream tests: a seeded guest whose epochs dirty sparse pages
// with sparse changes inside them, and helpers to decode in arbitrary chunk splits.
import type { EpochImage } from '../../../src/epoch/epoch-image.js';
import { CTX_SLOTS, PAGE_SIZE } from '../../../src/vm/layout.js';
import { StreamDecoder, type DecodedEpoch, type StreamDecoderOptions } from '../../../src/stream/decoder.js';
import { concatChunks, encodeEnd, encodeEpoch, encodeStreamHeader } from '../../../src/stream/encoder.js';

export type Rng = () => number;

/** mulberry32: small, seeded, good enough to pick pages and bytes. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const randInt = (rng: Rng, n: number): number => Math.floor(rng() * n);

export interface GuestPlan {
  readonly guestPages: number;
  readonly vcpus: number;
  readonly epochs: number;
  readonly seed: number;
  /** Epoch indices (> 0) that dirty no page. */
  readonly idleEpochs?: readonly number[];
  /** Pages dirtied per later epoch. */
  readonly dirtyPerEpoch?: number;
  /** Bytes changed per dirty page (sparse writes). */
  readonly bytesPerDirtyPage?: number;
}

/** Epoch 0 copies every page; later epochs carry sparse dirty sets. */
export function makeEpochs(plan: GuestPlan): EpochImage[] {
  const rng = seededRng(plan.seed);
  const guest = new Uint8Array(plan.guestPages * PAGE_SIZE);
  for (let i = 0; i < guest.length; i += 4) guest[i] = randInt(rng, 256); // some structure, some zeros
  const out: EpochImage[] = [];
  for (let e = 0; e < plan.epochs; e++) {
    let pfnList: number[];
    if (e === 0) pfnList = Array.from({ length: plan.guestPages }, (_, i) => i);
    else if (plan.idleEpochs?.includes(e)) pfnList = [];
    else {
      const dirty = new Set<number>();
      const want = Math.min(plan.dirtyPerEpoch ?? 8, plan.guestPages);
      while (dirty.size < want) dirty.add(randInt(rng, plan.guestPages));
      pfnList = [...dirty].sort((a, b) => a - b);
      for (const pfn of pfnList) {
        for (let k = 0; k < (plan.bytesPerDirtyPage ?? 16); k++) guest[pfn * PAGE_SIZE + randInt(rng, PAGE_SIZE)] = randInt(rng, 256);
      }
    }
    const pfns = Uint32Array.from(pfnList);
    const pages = new Uint8Array(pfns.length * PAGE_SIZE);
    pfns.forEach((pfn, i) => pages.set(guest.subarray(pfn * PAGE_SIZE, (pfn + 1) * PAGE_SIZE), i * PAGE_SIZE));
    const contexts = Array.from({ length: plan.vcpus }, (_, v) => {
      const ctx = new Float64Array(CTX_SLOTS);
      for (let s = 0; s < CTX_SLOTS; s++) ctx[s] = e * 1000 + v * 100 + s + rng();
      return ctx;
    });
    out.push({ epoch: e, guestPages: plan.guestPages, pfns, pages, contexts, final: e === plan.epochs - 1 });
  }
  return out;
}

/** Device state of odd length on odd epochs, so HVM_CONTEXT is not a multiple of 8. */
export function deviceStateFor(epoch: number): Uint8Array | undefined {
  return epoch % 2 === 1 ? Uint8Array.from({ length: 13 + epoch }, (_, i) => (i * 7 + epoch) & 0xff) : undefined;
}

export function encodeStream(epochs: readonly EpochImage[], withEnd = true): Uint8Array {
  const chunks = [encodeStreamHeader()];
  for (const img of epochs) {
    const deviceState = deviceStateFor(img.epoch);
    chunks.push(...encodeEpoch(img, { tscNsec: BigInt(img.epoch) * 25_000_000n, ...(deviceState ? { deviceState } : {}) }));
  }
  if (withEnd) chunks.push(encodeEnd());
  return concatChunks(chunks);
}

/** A decoded epoch copied out of the decoder's staging area. */
export function copyEpoch(e: DecodedEpoch): DecodedEpoch {
  return { ...e, pfns: e.pfns.slice(), pages: e.pages.slice(), contexts: e.contexts.map((c) => c.slice()) };
}

export interface DecodeResult {
  readonly epochs: DecodedEpoch[];
  readonly error: unknown;
}

/** Feeds `bytes` in chunks of the given sizes (cycled), then end(); collects epochs. */
export function decodeInChunks(bytes: Uint8Array, sizes: readonly number[] = [bytes.length || 1],
  opts: Partial<StreamDecoderOptions> = {}): DecodeResult {
  const epochs: DecodedEpoch[] = [];
  const decoder = new StreamDecoder({ ...opts, onEpoch: (e) => { opts.onEpoch?.(e); epochs.push(copyEpoch(e)); } });
  let error: unknown = null;
  try {
    let at = 0;
    for (let k = 0; at < bytes.length; k++) {
      const n = Math.max(1, sizes[k % sizes.length]!);
      decoder.feed(bytes.subarray(at, at + n));
      at += n;
    }
    decoder.end();
  } catch (err) {
    error = err;
  }
  return { epochs, error };
}

export function randomSplits(rng: Rng, count: number, max: number): number[] {
  return Array.from({ length: count }, () => 1 + randInt(rng, max));
}

export function epochsEqual(a: EpochImage, b: EpochImage): boolean {
  const same = (x: ArrayLike<number>, y: ArrayLike<number>) => x.length === y.length && Array.prototype.every.call(x, (v: number, i: number) => Object.is(v, y[i]));
  return a.epoch === b.epoch && a.guestPages === b.guestPages && a.final === b.final &&
    same(a.pfns, b.pfns) && Buffer.compare(Buffer.from(a.pages), Buffer.from(b.pages)) === 0 &&
    a.contexts.length === b.contexts.length && a.contexts.every((c, i) => same(c, b.contexts[i]!));
}

export interface RecordAt {
  readonly type: number;
  readonly offset: number;
  readonly length: number;
}

/** Walks the record headers of a well-formed stream (tests only: no checks). */
export function recordsOf(bytes: Uint8Array): RecordAt[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: RecordAt[] = [];
  for (let at = 40; at + 8 <= bytes.length;) {
    const type = view.getUint32(at, true);
    const length = view.getUint32(at + 4, true);
    out.push({ type, offset: at, length });
    at += 8 + Math.ceil(length / 8) * 8;
    if (type === 0) break;
  }
  return out;
}

export function nthRecord(bytes: Uint8Array, type: number, n = 0): RecordAt {
  const found = recordsOf(bytes).filter((r) => r.type === type)[n];
  if (!found) throw new Error(`test stream has no record ${type} #${n}`);
  return found;
}
