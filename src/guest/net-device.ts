// The guest's network device: an input ring in a SharedArrayBuffer that main fills
// with parsed requests and the serving vCPU drains. The ring is not checkpointed on
// purpose: a request still in it at failover is like a packet lost on the wire, and
// its client retries because no reply was released (docs/design.md, Output commit).
import { CTRL_REQ, REQ_PAUSE, REQ_STOP } from '../vm/layout.js';
import type { GuestIo } from './workloads/define.js';
import {
  KV_KEY_MAX, KV_VALUE_MAX, REQ_CONN, REQ_KEY, REQ_KEY_LEN, REQ_OP, REQ_VALUE, REQ_VALUE_LEN, REQUEST_WORDS, type KvOp,
} from './workloads/kv-device.js';

// Int32 words: RING_HEAD (main's next write), RING_TAIL (guest's next read), then
// RING_SLOTS request entries (kv-device.ts). HEAD and TAIL are free-running uint32
// counters kept in Int32 cells: they wrap at 2^32 on purpose, so slots are picked with a
// mask and fill is (head - tail) mod 2^32, never a signed compare.
export const RING_HEAD = 0;
export const RING_TAIL = 1;
const RING_HEADER_WORDS = 2;
export const RING_SLOTS = 1024;
const RING_MASK = RING_SLOTS - 1;
/** How long an idle poll waits for a request; bounds idle CPU and pause latency. */
const IDLE_WAIT_MS = 1;

export function allocateNetDevice(): SharedArrayBuffer {
  return new SharedArrayBuffer((RING_HEADER_WORDS + RING_SLOTS * REQUEST_WORDS) * 4);
}

/** Requests in the ring, not yet taken by the guest. */
export function ringFill(ring: Int32Array): number {
  return (Atomics.load(ring, RING_HEAD) - Atomics.load(ring, RING_TAIL)) >>> 0;
}

/**
 * Main's side: returns false when the ring is full (the caller keeps the request and
 * retries). Key and value must be within KV_KEY_MAX / KV_VALUE_MAX.
 */
export function pushRequest(ring: Int32Array, conn: number, op: KvOp, key: Uint8Array, value: Uint8Array | null): boolean {
  if (key.length > KV_KEY_MAX || (value?.length ?? 0) > KV_VALUE_MAX) {
    throw new RangeError(`net device: key of ${key.length} or value of ${value?.length} bytes beyond ${KV_KEY_MAX}/${KV_VALUE_MAX}`);
  }
  const head = Atomics.load(ring, RING_HEAD);
  if (((head - Atomics.load(ring, RING_TAIL)) >>> 0) >= RING_SLOTS) return false;
  const at = RING_HEADER_WORDS + (head & RING_MASK) * REQUEST_WORDS;
  const bytes = new Uint8Array(ring.buffer, ring.byteOffset + at * 4, REQUEST_WORDS * 4);
  ring[at + REQ_CONN] = conn;
  ring[at + REQ_OP] = op;
  ring[at + REQ_KEY_LEN] = key.length;
  ring[at + REQ_VALUE_LEN] = value?.length ?? 0;
  bytes.set(key, REQ_KEY * 4);
  bytes.fill(0, REQ_KEY * 4 + key.length, REQ_KEY * 4 + Math.ceil(key.length / 4) * 4);
  if (value !== null) {
    bytes.set(value, REQ_VALUE * 4);
    bytes.fill(0, REQ_VALUE * 4 + value.length, REQ_VALUE * 4 + Math.ceil(value.length / 4) * 4);
  }
  // The entry is written before HEAD moves (Atomics.store is sequentially consistent).
  Atomics.store(ring, RING_HEAD, (head + 1) | 0);
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
      const at = RING_HEADER_WORDS + (tail & RING_MASK) * REQUEST_WORDS;
      out.set(ring.subarray(at, at + REQUEST_WORDS));
      // Copied out before TAIL moves, so main cannot overwrite the entry while it is read.
      Atomics.store(ring, RING_TAIL, (tail + 1) | 0);
      return true;
    },
    reply(conn, text) {
      reply(epochOf(), conn, text);
    },
  };
}
