import { regionChecksum } from './checksum.js';
import { defineWorkload, type WorkloadParams } from './define.js';
import { fnvWord } from './rng.js';

// A key-value service: vCPU 0 takes SET/GET requests from the network device and runs
// them against an open-addressing table in guest RAM (8-byte slots {u32 key + 1,
// u32 value}; 0 = empty), so every effect of a request is checkpointed guest state.
// One operation is one poll of the device: a request served, or up to ~1 ms idle.
const SLOT_BYTES = 8;
const R_SERVED = 0;
const R_SETS = 1;
const OP_SET = 2; // as src/run/net-device.ts; anything else is a GET

function capacity(p: WorkloadParams): number {
  return 2 ** Math.floor(Math.log2(p.regionBytes / SLOT_BYTES));
}

const request = new Int32Array(4);

export const kvserver = defineWorkload({
  name: 'kvserver',
  op: 'one poll of the network device (a SET/GET served, or ~1 ms idle)',
  init(_mem, regs) {
    regs[R_SERVED] = 0;
    regs[R_SETS] = 0;
  },
  step(mem, regs, budget, p) {
    const io = p.io;
    if (io === undefined || p.vcpu !== 0) return budget; // no device: an idle guest
    const mask = capacity(p) - 1;
    for (let i = 0; i < budget; i++) {
      if (!io.poll(request)) continue;
      const [conn, op, key] = [request[0]!, request[1]!, request[2]! >>> 0];
      let slot = (Math.imul(key + 1, 0x9e3779b1) >>> 0) & mask;
      for (let probes = 0; ; probes++) {
        const addr = p.regionBase + slot * SLOT_BYTES;
        const k = mem.load32(addr);
        if (k === key + 1 || k === 0 || probes > mask) {
          if (op === OP_SET && probes <= mask) {
            if (k === 0) mem.store32(addr, key + 1);
            mem.store32(addr + 4, request[3]! >>> 0);
            regs[R_SETS]++;
            io.reply(conn, 'OK');
          } else if (op === OP_SET) io.reply(conn, 'ERR full');
          else io.reply(conn, k === key + 1 ? `VALUE ${mem.load32(addr + 4)}` : 'NONE');
          break;
        }
        slot = (slot + 1) & mask;
      }
      regs[R_SERVED]++;
    }
    return budget;
  },
  result(mem, regs, p) {
    return regionChecksum(mem, p.regionBase, capacity(p) * SLOT_BYTES, fnvWord(regs[R_SERVED]!, regs[R_SETS]!));
  },
});
