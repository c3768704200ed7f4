// Trace replay (docs/design.md, Workloads): replays a lackey trace's loads, stores and modifies against
// guest RAM. Guest page p of the trace lives at regionBase + p * PAGE_SIZE. The only
// state is the replay position in regs[REG_POS], so the workload resumes after any step.

import { PAGE_SIZE } from '../../../vm/layout.js';
import { defineWorkload, type GuestMemory, type WorkloadParams } from '../define.js';
import {
  HEAD_CROSS_SHIFT, HEAD_KIND_MASK, HEAD_OFFSET_SHIFT, OP_HEAD, OP_IFETCH, OP_LOAD, OP_MODIFY, OP_PAGE0,
  OP_PAGE1, OP_STORE, OP_WORDS, type LackeyProgram,
} from './lackey.js';
import { loadLackeyFile } from './trace-file.js';

export const REG_POS = 0; // index of the next operation to replay

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const BYTE_MASK = 0xff;

// Each thread's params object is looked up once; after that step costs one WeakMap get.
const byParams = new WeakMap<WorkloadParams, LackeyProgram>();

function traceOptions(params: WorkloadParams): { path: string; ifetch: boolean } {
  const { trace, ifetch } = params.options;
  if (typeof trace !== 'string' || trace.length === 0) {
    throw new Error('workload trace: option "trace" must be the path of a lackey trace');
  }
  if (ifetch !== undefined && typeof ifetch !== 'boolean') {
    throw new Error(`workload trace: option "ifetch" must be a boolean, got ${JSON.stringify(ifetch)}`);
  }
  return { path: trace, ifetch: ifetch === true };
}

function programFor(params: WorkloadParams): LackeyProgram {
  let program = byParams.get(params);
  if (program === undefined) {
    const { path, ifetch } = traceOptions(params);
    program = loadLackeyFile(path, ifetch);
    const fit = Math.floor(params.regionBytes / PAGE_SIZE);
    if (program.pages > fit) {
      throw new Error(
        `workload trace: ${path} touches ${program.pages} pages but vCPU ${params.vcpu}'s region holds ${fit} ` +
          `(${params.regionBytes} bytes); give the VM more memory`,
      );
    }
    byParams.set(params, program);
  }
  return program;
}

export const traceWorkload = defineWorkload({
  name: 'trace',
  op: 'one lackey L, S or M line (and I line with ifetch)',

  init(_mem: GuestMemory, regs: Float64Array, params: WorkloadParams): void {
    programFor(params);
    regs[REG_POS] = 0;
  },

  step(mem: GuestMemory, regs: Float64Array, budget: number, params: WorkloadParams): number {
    const program = programFor(params);
    const ops = program.ops;
    const base = params.regionBase;
    const basePfn = base / PAGE_SIZE; // regionBase is page-aligned
    const start = regs[REG_POS];
    if (!Number.isInteger(start) || start < 0 || start > program.opCount) {
      throw new Error(`workload trace: ${program.source}: replay position ${start} is outside 0..${program.opCount}`);
    }
    const end = Math.min(program.opCount, start + budget);
    for (let op = start; op < end; op++) {
      const w = op * OP_WORDS;
      const head = ops[w + OP_HEAD];
      const kind = head & HEAD_KIND_MASK;
      const crosses = (head >>> HEAD_CROSS_SHIFT) & 1;
      const page0 = ops[w + OP_PAGE0];
      const addr = base + page0 * PAGE_SIZE + (head >>> HEAD_OFFSET_SHIFT);
      const value = op & BYTE_MASK;
      switch (kind) {
        case OP_LOAD:
        case OP_IFETCH:
          mem.load8(addr);
          if (crosses) mem.touchRead(basePfn + ops[w + OP_PAGE1]);
          break;
        case OP_STORE:
          // Check both pages before writing anything (docs/design.md, Access path).
          if (crosses) {
            mem.touchWrite(basePfn + page0);
            mem.touchWrite(basePfn + ops[w + OP_PAGE1]);
          }
          mem.store8(addr, value);
          break;
        case OP_MODIFY: {
          const old = mem.load8(addr);
          if (crosses) {
            mem.touchRead(basePfn + ops[w + OP_PAGE1]);
            mem.touchWrite(basePfn + page0);
            mem.touchWrite(basePfn + ops[w + OP_PAGE1]);
          }
          mem.store8(addr, (old + value) & BYTE_MASK);
          break;
        }
        // The kind is two bits and all four values are handled above.
      }
    }
    regs[REG_POS] = end;
    return end - start;
  },

  result(mem: GuestMemory, regs: Float64Array, params: WorkloadParams): number {
    const program = programFor(params);
    // FNV-1a over the bytes of every page the trace touches, then the replay position.
    let h = FNV_OFFSET;
    const end = params.regionBase + program.pages * PAGE_SIZE;
    for (let a = params.regionBase; a < end; a += 4) {
      const word = mem.load32(a);
      h = Math.imul(h ^ (word & BYTE_MASK), FNV_PRIME);
      h = Math.imul(h ^ ((word >>> 8) & BYTE_MASK), FNV_PRIME);
      h = Math.imul(h ^ ((word >>> 16) & BYTE_MASK), FNV_PRIME);
      h = Math.imul(h ^ (word >>> 24), FNV_PRIME);
    }
    h = Math.imul(h ^ (regs[REG_POS] >>> 0), FNV_PRIME);
    return h >>> 0;
  },
});
