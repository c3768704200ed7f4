import { createCopyEngine } from '../src/epoch/copy-engine.js';
import { startCopierThreads } from '../src/epoch/copier-threads.js';
import { COPY_SPLIT_MIN_PAGES, PAGE_SIZE } from '../src/vm/layout.js';
import { REPORT_ONLY, row, type Benchmark, type BenchRow } from './lib/bench.js';

const GUEST_PAGES = 65536; // 256 MiB
const LIST_PAGES = 12288; // 48 MiB: a hotcold epoch at 256 MiB

/** A seeded sorted pfn list: scattered single pages (hotcold), or runs of 64. */
function pfnList(runLength: number, seed: number): Uint32Array {
  let x = seed >>> 0;
  const next = () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const set = new Set<number>();
  while (set.size < LIST_PAGES) {
    const start = Math.floor(next() * (GUEST_PAGES - runLength));
    for (let k = 0; k < runLength && set.size < LIST_PAGES; k++) set.add(start + k);
  }
  return Uint32Array.from(set).sort();
}

type Method = (pfns: Uint32Array, dst: Uint8Array) => void;

/**
 * The pause copy's ways of moving pages, in isolation: 48 MiB of a 256 MiB shared guest
 * into a warm staging buffer, each over one 64 MiB Uint8Array.set (the copy-bound row's
 * memcpy), same thread, interleaved. Reported, no goal: it says which plain copy is
 * fastest and how far a scattered copy is from memcpy.
 */
export const copyMethods: Benchmark = {
  name: 'copy-methods',
  async run(ctx) {
    const ram = new SharedArrayBuffer(GUEST_PAGES * PAGE_SIZE);
    const ram8 = new Uint8Array(ram);
    for (let i = 0; i < ram8.length; i += PAGE_SIZE) ram8[i] = i >>> 12;
    const ramBuf = Buffer.from(ram);
    const ram64 = new Float64Array(ram);
    const perPage = createCopyEngine('per-page', ram);
    const superpage = createCopyEngine('superpage', ram);
    const copiers = startCopierThreads(1, ram, 'superpage', COPY_SPLIT_MIN_PAGES);
    await copiers.online;
    const methods: Record<string, Method> = {
      'per-page engine': (p, d) => perPage.copy(p, d),
      'superpage engine': (p, d) => superpage.copy(p, d),
      'superpage + 1 copier thread': (p, d) => copiers.engine.copy(p, d),
      'subarray of one view + set': (p, d) => {
        for (let i = 0; i < p.length; i++) d.set(ram8.subarray(p[i] * PAGE_SIZE, (p[i] + 1) * PAGE_SIZE), i * PAGE_SIZE);
      },
      'Buffer.copy per run': (p, d) => {
        const db = Buffer.from(d.buffer, d.byteOffset, d.byteLength);
        for (let i = 0; i < p.length; ) {
          let j = i + 1;
          while (j < p.length && p[j] === p[j - 1] + 1) j++;
          ramBuf.copy(db, i * PAGE_SIZE, p[i] * PAGE_SIZE, (p[j - 1] + 1) * PAGE_SIZE);
          i = j;
        }
      },
      'Float64Array loop': (p, d) => {
        const d64 = new Float64Array(d.buffer, d.byteOffset, d.byteLength / 8);
        const w = PAGE_SIZE / 8;
        for (let i = 0; i < p.length; i++) for (let s = p[i] * w, t = i * w, k = 0; k < w; k++) d64[t + k] = ram64[s + k];
      },
    };
    const a = new Uint8Array(64 << 20).fill(1);
    const b = new Uint8Array(64 << 20).fill(2);
    const memcpyGBs = () => {
      const t0 = performance.now();
      b.set(a);
      return a.length / ((performance.now() - t0) * 1e6);
    };
    const dst = new Uint8Array(new SharedArrayBuffer(LIST_PAGES * PAGE_SIZE)).fill(1);
    const rows: BenchRow[] = [];
    for (const [list, runLength] of [['scattered', 1], ['runs of 64', 64]] as const) {
      const pfns = pfnList(runLength, 7);
      for (const [name, m] of Object.entries(methods)) {
        m(pfns, dst); // warm-up
        const ratios: number[] = [];
        for (let r = 0; r < ctx.reps; r++) {
          const mem = r % 2 === 0 ? memcpyGBs() : 0;
          const t0 = performance.now();
          m(pfns, dst);
          const gbs = dst.length / ((performance.now() - t0) * 1e6);
          ratios.push(gbs / (mem || memcpyGBs()));
          ctx.log(`  ${list}, ${name}: ${gbs.toFixed(2)} GB/s`);
        }
        rows.push(row(`copy ${list} 48 MiB, ${name} / memcpy`, 'ratio', REPORT_ONLY, ratios));
      }
    }
    await copiers.stop();
    return rows;
  },
};
