// The guest's network device: an input ring in a SharedArrayBuffer that main fills
// with parsed requests and the serving vCPU drains. The ring is not checkpointed on
// purpose: a request still in it at failover is like a packet lost on the wire, and
// its client retries because no reply was released (DESIGN 8).
import { CTRL_REQ, REQ_PAUSE, REQ_STOP } from '../memory/layout.js';
import type { GuestIo } from '../workloads/define.js';

// Int32 words: RING_HEAD (main's next write), RING_TAIL (guest's next read), then
// RING_SLOTS entries of ENTRY_WORDS: conn, op, key, value.
const RING_HEAD = 0;
const RING_TAIL = 1;
const RING_HEADER_WORDS = 2;
export const RING_SLOTS = 1024;
const ENTRY_WORDS = 4;
/** How long an idle poll waits for a request; bounds idle CPU and pause latency. */
const IDLE_WAIT_MS = 1;

export const OP_GET = 1;
export const OP_SET = 2;

export function allocateNetDevice(): SharedArrayBuffer {
  return new SharedArrayBuffer((RING_HEADER_WORDS + RING_SLOTS * ENTRY_WORDS) * 4);
}

/** Main's side: returns false when the ring is full (the request is refused, not queued). */
export function pushRequest(ring: Int32Array, conn: number, op: number, key: number, value: number): boolean {
  const head = Atomics.load(ring, RING_HEAD);
  if (head - Atomics.load(ring, RING_TAIL) >= RING_SLOTS) return false;
  const at = RING_HEADER_WORDS + (head % RING_SLOTS) * ENTRY_WORDS;
  ring[at] = conn;
  ring[at + 1] = op;
  ring[at + 2] = key | 0;
  ring[at + 3] = value | 0;
  // The entry is written before HEAD moves (Atomics.store is sequentially consistent).
  Atomics.store(ring, RING_HEAD, head + 1);
  Atomics.notify(ring, RING_HEAD);
  return true;
}

/** The vCPU's side, handed to the workload as params.io. */
export function deviceIo(ring: Int32Array, ctrl: Int32Array, epochOf: () => number, reply: (epoch: number, conn: number, text: string) => void): GuestIo {
  return {
    poll(out) {
      let head = Atomics.load(ring, RING_HEAD);
      const tail = Atomics.load(ring, RING_TAIL);
      if (head === tail) {
        // A pending pause or stop must not wait: the vCPU parks at its next step boundary.
        if ((Atomics.load(ctrl, CTRL_REQ) & (REQ_PAUSE | REQ_STOP)) !== 0) return false;
        Atomics.wait(ring, RING_HEAD, head, IDLE_WAIT_MS);
        head = Atomics.load(ring, RING_HEAD);
        if (head === tail) return false;
      }
      const at = RING_HEADER_WORDS + (tail % RING_SLOTS) * ENTRY_WORDS;
      out[0] = ring[at]!;
      out[1] = ring[at + 1]!;
      out[2] = ring[at + 2]!;
      out[3] = ring[at + 3]!;
      Atomics.store(ring, RING_TAIL, tail + 1);
      return true;
    },
    reply(conn, text) {
      reply(epochOf(), conn, text);
    },
  };
}
