import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PAGE_SHIFT, PAGE_SIZE } from '../../../../../src/vm/layout.js';
import type { GuestMemory, WorkloadParams } from '../../../../../src/guest/workloads/define.js';
import { traceParseCount } from '../../../../../src/guest/workloads/trace/trace-file.js';
import { REG_POS, traceWorkload } from '../../../../../src/guest/workloads/trace/trace-workload.js';
import { refOpsFromLackey, type RefOp } from '../../../../helpers/reference-counts.js';

/** Guest RAM as a plain byte array that logs every page it is asked to touch. */
class RecordingMemory implements GuestMemory {
  readonly ram: Uint8Array;
  readonly view: DataView;
  log: Array<{ page: number; write: boolean }> = [];
  recording = true;
  touchReads = 0;
  touchWrites = 0;

  constructor(readonly bytes: number) {
    this.ram = new Uint8Array(bytes);
    this.view = new DataView(this.ram.buffer);
  }
  private note(addr: number, write: boolean): void {
    if (addr < 0 || addr >= this.bytes) throw new RangeError(`access at ${addr} outside ${this.bytes} bytes`);
    if (this.recording) this.log.push({ page: addr >>> PAGE_SHIFT, write });
  }
  load8(addr: number): number { this.note(addr, false); return this.ram[addr]; }
  store8(addr: number, value: number): void { this.note(addr, true); this.ram[addr] = value; }
  load32(addr: number): number { this.note(addr, false); return this.view.getUint32(addr, true); }
  store32(addr: number, value: number): void { this.note(addr, true); this.view.setUint32(addr, value, true); }
  loadF64(addr: number): number { this.note(addr, false); return this.view.getFloat64(addr, true); }
  storeF64(addr: number, value: number): void { this.note(addr, true); this.view.setFloat64(addr, value, true); }
  touchRead(pfn: number): void { this.touchReads++; this.note(pfn * PAGE_SIZE, false); }
  touchWrite(pfn: number): void { this.touchWrites++; this.note(pfn * PAGE_SIZE, true); }
}

const QSORT = 'test/fixtures/traces/qsort-hash.lackey.gz';
const REGION_PAGES = 256;
const REGION_BASE = 16 * PAGE_SIZE; // not 0, so a wrong placement shows

function paramsFor(trace: string, ifetch = false, regionPages = REGION_PAGES): WorkloadParams {
  return {
    vcpu: 0,
    vcpus: 1,
    guestBytes: REGION_BASE + regionPages * PAGE_SIZE,
    regionBase: REGION_BASE,
    regionBytes: regionPages * PAGE_SIZE,
    seed: 1,
    options: { trace, ifetch },
  };
}

/** Per page of an operation, in first-touch order: [page, first access writes, page written]. */
function canonical(op: RefOp): Array<[number, boolean, boolean]> {
  const out = new Map<number, [number, boolean, boolean]>();
  for (const { page, write } of op) {
    const seen = out.get(page);
    if (seen === undefined) out.set(page, [page, write, write]);
    else seen[2] ||= write;
  }
  return [...out.values()];
}

function sameCanonical(a: Array<[number, boolean, boolean]>, b: Array<[number, boolean, boolean]>): boolean {
  return a.length === b.length && a.every((x, i) => x[0] === b[i][0] && x[1] === b[i][1] && x[2] === b[i][2]);
}

function runAll(params: WorkloadParams, budgets: (i: number) => number): { mem: RecordingMemory; regs: Float64Array; steps: number } {
  const mem = new RecordingMemory(params.guestBytes);
  mem.recording = false;
  const regs = new Float64Array(8);
  traceWorkload.init(mem, regs, params);
  let steps = 0;
  for (;;) {
    const budget = budgets(steps++);
    if (traceWorkload.step(mem, regs, budget, params) < budget) break;
  }
  return { mem, regs, steps };
}

// Seeded budgets so a failure reproduces.
function lcgBudgets(seed: number, max: number): (i: number) => number {
  let x = seed;
  return () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return 1 + (x % max);
  };
}

describe('trace workload', () => {
  it('replays each operation on the pages the trace names, placed in its region', () => {
    for (const [path, ifetch] of [[QSORT, false], [QSORT, true]] as const) {
      const params = paramsFor(path, ifetch);
      const ref = refOpsFromLackey(gunzipSync(readFileSync(path)).toString('utf8'), ifetch);
      const mem = new RecordingMemory(params.guestBytes);
      const regs = new Float64Array(8);
      traceWorkload.init(mem, regs, params);
      expect(mem.log).toEqual([]); // init lays out nothing: guest RAM starts zeroed
      const basePage = REGION_BASE / PAGE_SIZE;
      for (let i = 0; i < ref.length; i++) {
        mem.log = [];
        // Plain checks in this loop: an expect() per operation costs seconds here.
        if (traceWorkload.step(mem, regs, 1, params) !== 1) throw new Error(`${path} op ${i}: step ran no operation`);
        const got = canonical(mem.log);
        const want = canonical(ref[i].map((a) => ({ page: basePage + a.page, write: a.write })));
        if (!sameCanonical(got, want)) {
          throw new Error(`${path} ifetch=${ifetch} op ${i}: touched ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
        }
      }
      expect(regs[REG_POS]).toBe(ref.length);
      expect(traceWorkload.step(mem, regs, 1, params)).toBe(0);
    }
  });

  it('uses touchRead/touchWrite for the second page of a crossing access, and checks both pages before a store', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hbft-trace-'));
    const path = join(dir, 'cross.lackey');
    writeFileSync(path, ['==1== banner', ' L 00001ffe,4', ' S 00005ffc,8', ' M 00007fff,2', ' S 00001000,1', ''].join('\n'));
    const params = paramsFor(path);
    const mem = new RecordingMemory(params.guestBytes);
    const regs = new Float64Array(8);
    traceWorkload.init(mem, regs, params);
    expect(traceWorkload.step(mem, regs, 10, params)).toBe(4);
    const b = REGION_BASE / PAGE_SIZE;
    // Guest pages by first touch: host 0x1 -> 0, 0x2 -> 1, 0x5 -> 2, 0x6 -> 3, 0x7 -> 4, 0x8 -> 5.
    expect(mem.log.map((a) => [a.page - b, a.write ? 'w' : 'r'])).toEqual([
      [0, 'r'], [1, 'r'], // L crossing: load8 on page 0, touchRead page 1
      [2, 'w'], [3, 'w'], [2, 'w'], // S crossing: touchWrite both pages, then store8
      [4, 'r'], [5, 'r'], [4, 'w'], [5, 'w'], [4, 'w'], // M crossing: read both, write both, then store8
      [0, 'w'], // S on page 0
    ]);
    expect([mem.touchReads, mem.touchWrites]).toEqual([2, 4]);
    // Store bytes are the low byte of the op index: op 1 at guest page 2 offset 0xffc;
    // op 3 at page 0 offset 0. The M (op 2) read 0 and wrote 0 + 2.
    expect(mem.ram[REGION_BASE + 2 * PAGE_SIZE + 0xffc]).toBe(1);
    expect(mem.ram[REGION_BASE + 4 * PAGE_SIZE + 0xfff]).toBe(2);
    expect(mem.ram[REGION_BASE + 0]).toBe(3);
  });

  it('gives the same result checksum however the run is cut into steps', () => {
    const params = paramsFor(QSORT);
    const whole = runAll(params, () => 1e9);
    expect(whole.steps).toBe(1);
    const expected = traceWorkload.result(whole.mem, whole.regs, params);
    for (const [seed, max] of [[1, 1], [2, 7], [3, 1000], [4, 65_536]] as const) {
      const cut = runAll(params, lcgBudgets(seed, max));
      expect(cut.regs[REG_POS]).toBe(whole.regs[REG_POS]);
      expect(traceWorkload.result(cut.mem, cut.regs, params), `budgets seed ${seed} max ${max}`).toBe(expected);
      expect(Buffer.compare(cut.mem.ram, whole.mem.ram)).toBe(0); // toEqual on 1 MiB is slow
    }
  });

  it('resumes from a copy of RAM and registers taken between steps (a checkpoint)', () => {
    const params = paramsFor(QSORT);
    const whole = runAll(params, () => 1e9);
    const primary = new RecordingMemory(params.guestBytes);
    const regs = new Float64Array(8);
    traceWorkload.init(primary, regs, params);
    expect(traceWorkload.step(primary, regs, 33_333, params)).toBe(33_333);
    const backup = new RecordingMemory(params.guestBytes);
    backup.ram.set(primary.ram);
    const backupRegs = Float64Array.from(regs);
    // The backup does not run init: state comes from the checkpoint only.
    while (traceWorkload.step(backup, backupRegs, 4096, params) === 4096);
    expect(traceWorkload.result(backup, backupRegs, params)).toBe(traceWorkload.result(whole.mem, whole.regs, params));
  });

  it('finishes: the last step runs fewer operations than its budget, later steps none', () => {
    const params = paramsFor(QSORT);
    const mem = new RecordingMemory(params.guestBytes);
    const regs = new Float64Array(8);
    traceWorkload.init(mem, regs, params);
    expect(traceWorkload.step(mem, regs, 100_000, params)).toBe(100_000);
    expect(traceWorkload.step(mem, regs, 1_000, params)).toBe(247); // 100,247 operations
    expect(traceWorkload.step(mem, regs, 1_000, params)).toBe(0);
    // A partial run has a different checksum from a finished one.
    const partial = runAll(params, () => 50_000);
    expect(partial.regs[REG_POS]).toBe(100_247);
    const half = new RecordingMemory(params.guestBytes);
    const halfRegs = new Float64Array(8);
    traceWorkload.init(half, halfRegs, params);
    traceWorkload.step(half, halfRegs, 50_000, params);
    expect(traceWorkload.result(half, halfRegs, params)).not.toBe(traceWorkload.result(partial.mem, partial.regs, params));
  });

  it('parses the trace once: init and step on new params objects reuse the cached program', () => {
    const params = paramsFor(QSORT);
    runAll(params, () => 10_000);
    const before = traceParseCount();
    runAll(paramsFor(QSORT), () => 10_000);
    runAll(paramsFor(`./${QSORT}`), () => 10_000);
    expect(traceParseCount()).toBe(before);
  });

  it('refuses a region too small for the trace, and bad options, with clear errors', () => {
    const mem = new RecordingMemory(REGION_BASE + 64 * PAGE_SIZE);
    const regs = new Float64Array(8);
    expect(() => traceWorkload.init(mem, regs, paramsFor(QSORT, false, 39))).toThrow(
      /qsort-hash\.lackey\.gz touches 40 pages but vCPU 0's region holds 39/,
    );
    expect(() => traceWorkload.init(mem, regs, paramsFor(QSORT, false, 40))).not.toThrow();
    const noTrace = { ...paramsFor(QSORT), options: {} };
    expect(() => traceWorkload.init(mem, regs, noTrace)).toThrow(/option "trace" must be the path/);
    const badIfetch = { ...paramsFor(QSORT), options: { trace: QSORT, ifetch: 'yes' } };
    expect(() => traceWorkload.init(mem, regs, badIfetch)).toThrow(/option "ifetch" must be a boolean/);
    const params = paramsFor(QSORT);
    traceWorkload.init(mem, regs, params);
    regs[REG_POS] = 1e9;
    expect(() => traceWorkload.step(mem, regs, 1, params)).toThrow(/replay position 1000000000 is outside 0\.\.100247/);
  });
});
