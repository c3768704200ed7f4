import { defineWorkload } from './define.js';
import { regionChecksum } from './checksum.js';
import { PAGE_SIZE } from '../../vm/layout.js';

const R_PC = 0;

/** Parse "r0 w0 r1" into [kind, page] pairs: r = load, w = store, one operation each. */
export function parseScript(text: string): Int32Array {
  const tokens = text.trim().split(/[\s,]+/).filter((t) => t.length > 0);
  const out = new Int32Array(tokens.length * 2);
  tokens.forEach((t, i) => {
    const m = /^([rw])(\d+)$/.exec(t);
    if (m === null) throw new RangeError(`script: bad access "${t}" (want r<page> or w<page>)`);
    out[2 * i] = m[1] === 'w' ? 1 : 0;
    out[2 * i + 1] = Number(m[2]);
  });
  return out;
}

const parsed = new Map<string, Int32Array>();

function program(text: unknown): Int32Array {
  if (typeof text !== 'string') throw new RangeError('script: options.script must be a string like "r0 w0 r1"');
  let p = parsed.get(text);
  if (p === undefined) parsed.set(text, (p = parseScript(text)));
  return p;
}

/**
 * A hand-made access sequence, for exact fault-count tests: "r3" loads from page 3 of
 * the vCPU's region, "w3" stores to it. Ends when the sequence does.
 */
export const script = defineWorkload({
  name: 'script',
  op: 'one access of the script',
  init(_mem, regs, p) {
    const prog = program(p.options.script);
    const pages = p.regionBytes / PAGE_SIZE;
    for (let i = 1; i < prog.length; i += 2) {
      if (prog[i] >= pages) throw new RangeError(`script: page ${prog[i]} is outside vCPU ${p.vcpu}'s ${pages}-page region`);
    }
    regs[R_PC] = 0;
  },
  step(mem, regs, budget, p) {
    const prog = program(p.options.script);
    const n = prog.length >>> 1;
    let pc = regs[R_PC];
    let ran = 0;
    for (; ran < budget && pc < n; ran++, pc++) {
      const addr = p.regionBase + prog[2 * pc + 1] * PAGE_SIZE + (pc & 0x3ff) * 4;
      if (prog[2 * pc] === 1) mem.store32(addr, pc + 1);
      else mem.load32(addr);
    }
    regs[R_PC] = pc;
    return ran;
  },
  result(mem, _regs, p) {
    return regionChecksum(mem, p.regionBase, p.regionBytes);
  },
});
