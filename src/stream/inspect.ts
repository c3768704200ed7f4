// `hbft stream inspect FILE`: decodes a whole stream file and reports its records,
// committed epochs and the first fault.
import { StreamDecoder, type RecordInfo } from './decoder.js';
import { StreamError } from './errors.js';
import { PageImage } from './page-image.js';
import { recordName } from './records.js';

export interface InspectedEpoch {
  readonly index: number;
  readonly epoch: number;
  readonly pages: number;
  readonly vcpus: number;
  readonly final: boolean;
}

export interface InspectionError {
  readonly code: string;
  readonly record: string;
  readonly offset: number;
  readonly message: string;
}

export interface StreamInspection {
  readonly valid: boolean;
  readonly version: number | null;
  readonly domainType: number | null;
  readonly compressed: boolean;
  /** True when the epochs carry hbft-emu's private HVM_CONTEXT entries. */
  readonly hbft: boolean;
  readonly bytes: number;
  readonly epochs: InspectedEpoch[];
  readonly records: RecordInfo[];
  readonly error: InspectionError | null;
}

export function inspectStream(bytes: Uint8Array): StreamInspection {
  const epochs: InspectedEpoch[] = [];
  const records: RecordInfo[] = [];
  const base = new PageImage(); // XOR base for the compressed variant
  let hbft = false;
  const decoder = new StreamDecoder({
    onRecord: (r) => records.push(r),
    onEpoch: (e) => {
      base.apply(e);
      hbft = e.hbft;
      epochs.push({ index: e.index, epoch: e.epoch, pages: e.pfns.length, vcpus: e.contexts.length, final: e.final });
    },
    basePage: (pfn) => base.page(pfn),
  });
  let error: InspectionError | null = null;
  try {
    decoder.feed(bytes);
    decoder.end();
  } catch (err) {
    if (!(err instanceof StreamError)) throw err; // a decoder bug, not a stream fault
    error = { code: err.code, record: err.record, offset: err.offset, message: err.message };
  }
  return {
    valid: error === null,
    version: decoder.header?.version ?? null,
    domainType: decoder.header?.domainType ?? null,
    compressed: decoder.header?.compressed ?? false,
    hbft,
    bytes: bytes.length,
    epochs,
    records,
    error,
  };
}

export interface FormatOptions {
  /** List every record instead of a count per type. */
  readonly records?: boolean;
}

export function formatInspection(i: StreamInspection, opts: FormatOptions = {}): string {
  const lines: string[] = [];
  // Without a decoded header nothing is known of the format: claim none.
  const format = i.version === null ? 'not recognised (no valid image and domain header)' : i.compressed ? 'hbft-emu compressed variant (HBFZ)' : 'Xen libxc migration stream (XENF)';
  lines.push(`stream: ${i.valid ? 'valid' : 'INVALID'}, ${i.bytes} bytes`);
  lines.push(`format: ${format}, version ${i.version ?? '?'}, domain type ${i.domainType ?? '?'}${i.hbft ? ', hbft-emu entries' : ''}`);
  lines.push(`epochs committed: ${i.epochs.length}`);
  for (const e of i.epochs) {
    lines.push(`  epoch ${e.epoch}: ${e.pages} page(s), ${e.vcpus} vCPU context(s)${e.final ? ', final' : ''}`);
  }
  if (opts.records) {
    lines.push(`records: ${i.records.length}`);
    for (const r of i.records) lines.push(`  ${String(r.offset).padStart(12)}  ${r.name.padEnd(16)} length ${r.length}`);
  } else {
    const counts = new Map<number, number>();
    for (const r of i.records) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    const summary = [...counts].map(([type, n]) => `${recordName(type)} ×${n}`).join(', ');
    lines.push(`records: ${i.records.length} (${summary})`);
  }
  if (i.error) lines.push(`error: ${i.error.code}: ${i.error.message}`);
  return lines.join('\n');
}
