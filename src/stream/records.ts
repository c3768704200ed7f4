// Framing constants of the libxc migration stream v3, x86 HVM profile, and of
// hbft-emu's private additions (docs/stream-format.md).

// Image header: 24 bytes, big-endian (the only big-endian structure in the stream).
export const IHDR_SIZE = 24;
export const IHDR_MARKER = 0xffff_ffff_ffff_ffffn;
export const IHDR_ID_XEN = 0x58454e46; // "XENF": plain Xen stream
export const IHDR_ID_HBFZ = 0x4842465a; // "HBFZ": hbft-emu compressed variant
export const IHDR_VERSION = 3;
export const IHDR_OPT_BIG_ENDIAN = 1;
export const IHDR_OFF_MARKER = 0;
export const IHDR_OFF_ID = 8;
export const IHDR_OFF_VERSION = 12;
export const IHDR_OFF_OPTIONS = 16;
export const IHDR_OFF_RES16 = 18;
export const IHDR_OFF_RES32 = 20;

// Domain header: 16 bytes, little-endian.
export const DHDR_SIZE = 16;
export const DHDR_TYPE_X86_HVM = 2;
export const DHDR_PAGE_SHIFT = 12;
export const DHDR_OFF_TYPE = 0;
export const DHDR_OFF_PAGE_SHIFT = 4;
export const DHDR_OFF_RES16 = 6;
export const DHDR_OFF_XEN_MAJOR = 8;
export const DHDR_OFF_XEN_MINOR = 12;
// Nominal Xen version written in the domain header; readers only print it.
export const XEN_MAJOR = 4;
export const XEN_MINOR = 17;

// Records: u32 type, u32 body_length, body, zero padding to REC_ALIGN.
export const REC_HEADER_SIZE = 8;
export const REC_ALIGN = 8;
// libxc restore refuses larger bodies (REC_LENGTH_MAX).
export const REC_LENGTH_MAX = 128 << 20;

export const REC_END = 0x00;
export const REC_PAGE_DATA = 0x01;
export const REC_X86_TSC_INFO = 0x08;
export const REC_HVM_CONTEXT = 0x09;
export const REC_HVM_PARAMS = 0x0a;
export const REC_CHECKPOINT = 0x0e;
export const REC_STATIC_DATA_END = 0x10;
// HBFZ only: page data as raw or XOR+RLE against the receiver's committed page. Bit 31
// is clear on purpose: Xen treats bit 31 as "optional, may skip", and skipping pages
// would be silent corruption.
export const REC_PAGE_DATA_XRLE = 0x4801;

const RECORD_NAMES: ReadonlyMap<number, string> = new Map([
  [REC_END, 'END'],
  [REC_PAGE_DATA, 'PAGE_DATA'],
  [REC_X86_TSC_INFO, 'X86_TSC_INFO'],
  [REC_HVM_CONTEXT, 'HVM_CONTEXT'],
  [REC_HVM_PARAMS, 'HVM_PARAMS'],
  [REC_CHECKPOINT, 'CHECKPOINT'],
  [REC_STATIC_DATA_END, 'STATIC_DATA_END'],
  [REC_PAGE_DATA_XRLE, 'PAGE_DATA_XRLE'],
]);

export function recordName(type: number): string {
  return RECORD_NAMES.get(type) ?? `RECORD_0x${type.toString(16)}`;
}

export function paddedLength(bodyLength: number): number {
  return Math.ceil(bodyLength / REC_ALIGN) * REC_ALIGN; // no 32-bit bit ops: lengths reach 2^32 - 1
}

// PAGE_DATA: u32 count, u32 reserved, count × u64 pfn, then the pages.
export const PAGE_DATA_HEADER_SIZE = 8;
export const PFN_ENTRY_SIZE = 8;
export const MAX_PFNS_PER_RECORD = 1024;
export const PFN_TYPE_SHIFT = 60n;
export const PFN_FRAME_MASK = (1n << 52n) - 1n;
export const PFN_RESERVED_MASK = ((1n << 60n) - 1n) & ~PFN_FRAME_MASK;
export const PFN_TYPE_NORMAL = 0;
// Page types that carry no data (Xen: broken, allocate-only, invalid); skipped.
export const PFN_TYPES_WITHOUT_DATA: ReadonlySet<number> = new Set([0xd, 0xe, 0xf]);

// PAGE_DATA_XRLE: as PAGE_DATA's header and pfns, then count × {u32 kind, u32 length},
// then the encoded pages back to back.
export const XRLE_DESC_SIZE = 8;
export const XRLE_KIND_RAW = 0;
export const XRLE_KIND_XOR_RLE = 1;

// X86_TSC_INFO: u32 mode, u32 khz, u64 nsec, u32 incarnation, u32 reserved.
export const TSC_INFO_SIZE = 24;
export const TSC_MODE_DEFAULT = 0;
export const TSC_OFF_MODE = 0;
export const TSC_OFF_KHZ = 4;
export const TSC_OFF_NSEC = 8;
export const TSC_OFF_INCARNATION = 16;
export const TSC_OFF_RES = 20;
export const DEFAULT_TSC_KHZ = 2_000_000; // a nominal 2 GHz guest TSC

// HVM_PARAMS: u32 count, u32 reserved, count × {u64 index, u64 value}.
export const HVM_PARAMS_HEADER_SIZE = 8;
export const HVM_PARAM_ENTRY_SIZE = 16;
export const MAX_HVM_PARAMS = 4096;
