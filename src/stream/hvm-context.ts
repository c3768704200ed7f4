// The HVM_CONTEXT body: Xen's list of save entries `u16 typecode, u16 instance,
// u32 length, payload` (no padding between entries), with hbft-emu's private entries
// from 0x8000 up. docs/stream-format.md has the byte layouts.
import { CTX_BYTES, CTX_SLOTS } from '../vm/layout.js';
import { CHECKSUM_CRC32, crcUpdate } from './checksum.js';
import { StreamError, hex } from './errors.js';

export const HVMCTX_DESC_SIZE = 8;
export const HVMCTX_END = 0;
export const HVMCTX_HEADER = 1;
export const HVMCTX_EPOCH_INFO = 0x8000;
export const HVMCTX_VCPU_CONTEXT = 0x8001;
export const HVMCTX_DEVICE_STATE = 0x8002;
export const HVMCTX_EPOCH_CHECKSUM = 0x8003;
export const HVMCTX_PRIVATE_FIRST = 0x8000;

// HEADER payload: u32 magic, u32 version, u64 changeset, u32 cpuid, u32 gtsc_khz.
export const HVM_HEADER_SIZE = 24;
export const HVM_HEADER_MAGIC = 0x54381286;
export const HVM_HEADER_VERSION = 1;

// EPOCH_INFO payload: u32 epoch, u32 guestPages, u32 vcpus, u32 flags.
export const EPOCH_INFO_SIZE = 16;
export const EPOCH_FLAG_FINAL = 1;
export const MAX_EPOCH = 0xffff_ffff; // u32 on the wire; at 40 epochs/s that is 3 years
// EPOCH_CHECKSUM payload: u32 algorithm, u32 value.
export const EPOCH_CHECKSUM_SIZE = 8;

const RECORD = 'HVM_CONTEXT';

export interface HbftContextInput {
  readonly epoch: number;
  readonly guestPages: number;
  readonly contexts: readonly Float64Array[];
  readonly final: boolean;
  readonly deviceState?: Uint8Array;
  readonly tscKhz: number;
}

/**
 * Builds hbft-emu's HVM_CONTEXT body. `crc` is the running epoch checksum over pages
 * and the records before this one; the EPOCH_CHECKSUM entry extends it over this body
 * up to the checksum entry, so every byte the backup applies is covered.
 */
export function buildHbftContext(input: HbftContextInput, crc: number): Uint8Array {
  const device = input.deviceState;
  const length =
    HVMCTX_DESC_SIZE + HVM_HEADER_SIZE +
    HVMCTX_DESC_SIZE + EPOCH_INFO_SIZE +
    input.contexts.length * (HVMCTX_DESC_SIZE + CTX_BYTES) +
    (device ? HVMCTX_DESC_SIZE + device.length : 0) +
    HVMCTX_DESC_SIZE + EPOCH_CHECKSUM_SIZE +
    HVMCTX_DESC_SIZE;
  const body = new Uint8Array(length);
  const view = new DataView(body.buffer);
  let at = 0;
  const entry = (typecode: number, instance: number, size: number): number => {
    view.setUint16(at, typecode, true);
    view.setUint16(at + 2, instance, true);
    view.setUint32(at + 4, size, true);
    at += HVMCTX_DESC_SIZE + size;
    return at - size;
  };
  let p = entry(HVMCTX_HEADER, 0, HVM_HEADER_SIZE);
  view.setUint32(p, HVM_HEADER_MAGIC, true);
  view.setUint32(p + 4, HVM_HEADER_VERSION, true);
  view.setUint32(p + 20, input.tscKhz, true); // changeset and cpuid stay 0
  p = entry(HVMCTX_EPOCH_INFO, 0, EPOCH_INFO_SIZE);
  view.setUint32(p, input.epoch, true);
  view.setUint32(p + 4, input.guestPages, true);
  view.setUint32(p + 8, input.contexts.length, true);
  view.setUint32(p + 12, input.final ? EPOCH_FLAG_FINAL : 0, true);
  input.contexts.forEach((ctx, vcpu) => {
    p = entry(HVMCTX_VCPU_CONTEXT, vcpu, CTX_BYTES);
    for (let slot = 0; slot < CTX_SLOTS; slot++) view.setFloat64(p + slot * 8, ctx[slot]!, true);
  });
  if (device) body.set(device, entry(HVMCTX_DEVICE_STATE, 0, device.length));
  const covered = at;
  p = entry(HVMCTX_EPOCH_CHECKSUM, 0, EPOCH_CHECKSUM_SIZE);
  view.setUint32(p, CHECKSUM_CRC32, true);
  view.setUint32(p + 4, crcUpdate(crc, body.subarray(0, covered)), true);
  entry(HVMCTX_END, 0, 0);
  return body;
}

export interface EpochInfo {
  readonly epoch: number;
  readonly guestPages: number;
  readonly vcpus: number;
  readonly final: boolean;
}

export interface ParsedContext {
  /** Null when the context has no hbft-emu entries (a stream from another tool). */
  readonly info: EpochInfo | null;
  readonly contexts: Float64Array[];
  readonly deviceState?: Uint8Array;
  /** Checksum value and how many body bytes it covers; null without private entries. */
  readonly checksum: { readonly value: number; readonly covered: number } | null;
}

/** Parses and checks an HVM_CONTEXT body; Xen's own entries (< 0x8000) are skipped. */
export function parseHvmContext(body: Uint8Array, offset: number): ParsedContext {
  const fail = (detail: string): never => {
    throw new StreamError('BAD_CONTEXT', RECORD, offset, detail);
  };
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let info: EpochInfo | null = null;
  const contexts: Float64Array[] = [];
  let deviceState: Uint8Array | undefined;
  let checksum: ParsedContext['checksum'] = null;
  let at = 0;
  let index = 0;
  let ended = false;
  while (at < body.length) {
    if (ended) fail(`${body.length - at} byte(s) after the END entry`);
    if (body.length - at < HVMCTX_DESC_SIZE) fail(`entry ${index} descriptor cut short`);
    const typecode = view.getUint16(at, true);
    const instance = view.getUint16(at + 2, true);
    const size = view.getUint32(at + 4, true);
    const p = at + HVMCTX_DESC_SIZE;
    if (size > body.length - p) fail(`entry ${index} (typecode ${hex(typecode)}) length ${size} overruns the record`);
    const what = `entry ${index} (typecode ${hex(typecode)})`;
    if (index === 0 && typecode !== HVMCTX_HEADER) fail(`first entry is typecode ${hex(typecode)}, not HEADER`);
    if (checksum !== null && typecode !== HVMCTX_END) fail(`${what} after EPOCH_CHECKSUM`);
    switch (typecode) {
      case HVMCTX_HEADER:
        if (index !== 0) fail(`${what}: HEADER repeated`);
        if (size !== HVM_HEADER_SIZE) fail(`HEADER length ${size}, expected ${HVM_HEADER_SIZE}`);
        if (view.getUint32(p, true) !== HVM_HEADER_MAGIC) fail(`HEADER magic ${hex(view.getUint32(p, true))}`);
        if (view.getUint32(p + 4, true) !== HVM_HEADER_VERSION) fail(`HEADER version ${view.getUint32(p + 4, true)}`);
        break;
      case HVMCTX_END:
        if (size !== 0 || instance !== 0) fail(`END entry with length ${size}, instance ${instance}`);
        ended = true;
        break;
      case HVMCTX_EPOCH_INFO: {
        if (info !== null) fail('EPOCH_INFO repeated');
        if (size !== EPOCH_INFO_SIZE || instance !== 0) fail(`EPOCH_INFO length ${size}, instance ${instance}`);
        const flags = view.getUint32(p + 12, true);
        if ((flags & ~EPOCH_FLAG_FINAL) !== 0) fail(`EPOCH_INFO reserved flags ${hex(flags)}`);
        info = {
          epoch: view.getUint32(p, true),
          guestPages: view.getUint32(p + 4, true),
          vcpus: view.getUint32(p + 8, true),
          final: (flags & EPOCH_FLAG_FINAL) !== 0,
        };
        break;
      }
      case HVMCTX_VCPU_CONTEXT: {
        if (info === null) fail('VCPU_CONTEXT before EPOCH_INFO');
        if (size !== CTX_BYTES) fail(`VCPU_CONTEXT ${instance} length ${size}, expected ${CTX_BYTES}`);
        if (instance !== contexts.length) fail(`VCPU_CONTEXT instance ${instance}, expected ${contexts.length}`);
        const ctx = new Float64Array(CTX_SLOTS);
        for (let slot = 0; slot < CTX_SLOTS; slot++) ctx[slot] = view.getFloat64(p + slot * 8, true);
        contexts.push(ctx);
        break;
      }
      case HVMCTX_DEVICE_STATE:
        if (deviceState !== undefined || instance !== 0) fail('DEVICE_STATE repeated or with an instance');
        deviceState = body.slice(p, p + size);
        break;
      case HVMCTX_EPOCH_CHECKSUM:
        if (size !== EPOCH_CHECKSUM_SIZE || instance !== 0) fail(`EPOCH_CHECKSUM length ${size}, instance ${instance}`);
        if (view.getUint32(p, true) !== CHECKSUM_CRC32) fail(`EPOCH_CHECKSUM algorithm ${view.getUint32(p, true)}`);
        checksum = { value: view.getUint32(p + 4, true), covered: at };
        break;
      default:
        // Xen's own save entries (CPU, LAPIC, ...) mean nothing to the emulator.
        if (typecode >= HVMCTX_PRIVATE_FIRST) fail(`unknown private typecode ${hex(typecode)}`);
    }
    at = p + size;
    index++;
  }
  if (!ended) fail('no END entry');
  const hasPrivate = info !== null || contexts.length > 0 || deviceState !== undefined || checksum !== null;
  if (!hasPrivate) return { info: null, contexts, checksum: null };
  if (info === null || checksum === null) fail('hbft-emu entries without EPOCH_INFO and EPOCH_CHECKSUM');
  const epochInfo = info as EpochInfo;
  if (contexts.length !== epochInfo.vcpus) fail(`EPOCH_INFO says ${epochInfo.vcpus} vCPUs, found ${contexts.length} VCPU_CONTEXT`);
  return { info: epochInfo, contexts, checksum, ...(deviceState ? { deviceState } : {}) };
}
