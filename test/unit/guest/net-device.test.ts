import { describe, expect, it } from 'vitest';
import { CTRL_GLOBAL_WORDS, CTRL_REQ, REQ_STOP } from '../../../src/vm/layout.js';
import { RING_HEAD, RING_SLOTS, RING_TAIL, allocateNetDevice, deviceIo, pushRequest, ringFill } from '../../../src/guest/net-device.js';
import { OP_GET, OP_SET, REQ_CONN, REQ_KEY, REQ_KEY_LEN, REQ_OP, REQ_VALUE, REQ_VALUE_LEN, REQUEST_WORDS } from '../../../src/guest/workloads/kv-device.js';

/** A ring whose counters start at `start` (mod 2^32), and the guest's side of it. */
function device(start: number) {
  const ring = new Int32Array(allocateNetDevice());
  Atomics.store(ring, RING_HEAD, start | 0);
  Atomics.store(ring, RING_TAIL, start | 0);
  const ctrl = new Int32Array(CTRL_GLOBAL_WORDS);
  ctrl[CTRL_REQ] = REQ_STOP; // an empty poll returns at once instead of waiting 1 ms
  const io = deviceIo(ring, ctrl, () => 0, () => {});
  const out = new Int32Array(REQUEST_WORDS);
  const poll = () => (io.poll(out) ? { conn: out[REQ_CONN], op: out[REQ_OP], key: keyOf(out), value: valueOf(out) } : null);
  return { ring, poll };
}
const bytesOf = (out: Int32Array) => new Uint8Array(out.buffer);
const keyOf = (out: Int32Array) => Buffer.from(bytesOf(out).subarray(REQ_KEY * 4, REQ_KEY * 4 + out[REQ_KEY_LEN]!)).toString('latin1');
const valueOf = (out: Int32Array) => Buffer.from(bytesOf(out).subarray(REQ_VALUE * 4, REQ_VALUE * 4 + out[REQ_VALUE_LEN]!)).toString('latin1');
const push = (ring: Int32Array, n: number) => pushRequest(ring, n, OP_SET, Buffer.from(`k${n}`), Buffer.from(`v${n}`));

describe('net-device ring: uint32 counters', () => {
  // Starts around 0, the Int32 sign flip (2^31) and the uint32 wrap (2^32).
  for (const start of [0, 2 ** 31 - 3, 2 ** 32 - 3, 2 ** 32 - RING_SLOTS / 2]) {
    it(`FIFO with push/poll batches starting at ${start}`, () => {
      const { ring, poll } = device(start);
      let pushed = 0;
      let polled = 0;
      for (const batch of [1, 2, 5, 7, 3, 11]) {
        for (let i = 0; i < batch; i++) expect(push(ring, pushed++)).toBe(true);
        expect(ringFill(ring)).toBe(pushed - polled);
        for (let i = 0; i < batch - 1; i++) {
          expect(poll()).toEqual({ conn: polled, op: OP_SET, key: `k${polled}`, value: `v${polled}` });
          polled++;
        }
      }
      while (polled < pushed) expect(poll()!.conn).toBe(polled++);
      expect(poll()).toBeNull();
      expect(ringFill(ring)).toBe(0);
    });

    it(`full ring refuses exactly at RING_SLOTS, starting at ${start}`, () => {
      const { ring, poll } = device(start);
      for (let i = 0; i < RING_SLOTS; i++) expect(push(ring, i)).toBe(true);
      expect(ringFill(ring)).toBe(RING_SLOTS);
      expect(push(ring, -1)).toBe(false);
      expect(poll()!.conn).toBe(0);
      expect(push(ring, RING_SLOTS)).toBe(true);
      expect(push(ring, -1)).toBe(false);
      for (let i = 1; i <= RING_SLOTS; i++) expect(poll()!.conn).toBe(i);
      expect(poll()).toBeNull();
    });
  }

  it('a shorter key in a reused slot carries no bytes of the older one', () => {
    const { ring, poll } = device(0);
    for (let i = 0; i < RING_SLOTS; i++) {
      pushRequest(ring, i, OP_GET, Buffer.from('abcdefgh'), null);
      poll();
    }
    pushRequest(ring, 7, OP_GET, Buffer.from('xyz'), null);
    const at = 2 + 0 * REQUEST_WORDS; // slot 0 again, after RING_SLOTS entries
    expect(ring[at + REQ_KEY]! >>> 24).toBe(0); // the 4th byte of the word is cleared
    expect(poll()).toEqual({ conn: 7, op: OP_GET, key: 'xyz', value: '' });
  });

  it('refuses keys and values beyond the device limits', () => {
    const { ring } = device(0);
    expect(() => pushRequest(ring, 1, OP_GET, Buffer.alloc(65), null)).toThrow(RangeError);
    expect(() => pushRequest(ring, 1, OP_SET, Buffer.alloc(1), Buffer.alloc(177))).toThrow(RangeError);
  });
});
