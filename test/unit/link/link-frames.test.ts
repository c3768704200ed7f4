// Primary -> backup link frames (the back-channel direction is in stream-backchannel.test.ts):
// the bytes are pinned, any split reassembles, and a refused header names its offset.
import { describe, expect, it } from 'vitest';
import {
  LINK_DATA, LINK_HEADER_SIZE, LINK_HEARTBEAT, LINK_MAX_PAYLOAD, LinkDecoder, LinkError, linkHeader,
} from '../../../src/link/link-frames.js';

const payload = Uint8Array.from({ length: 37 }, (_, i) => i + 1);
const wire = Uint8Array.from([
  ...linkHeader(LINK_HEARTBEAT, 0),
  ...linkHeader(LINK_DATA, payload.length), ...payload,
  ...linkHeader(LINK_HEARTBEAT, 0),
]);

function decode(bytes: Uint8Array, size: number): { data: number[]; beats: number; error: unknown } {
  const data: number[] = [];
  let beats = 0;
  const dec = new LinkDecoder({ data: (b) => data.push(...b), heartbeat: () => beats++ });
  let error: unknown = null;
  try {
    for (let at = 0; at < bytes.length; at += size) dec.feed(bytes.subarray(at, at + size));
  } catch (e) {
    error = e;
  }
  return { data, beats, error };
}

describe('link frames', () => {
  it('writes 12-byte little-endian headers', () => {
    expect(linkHeader(LINK_DATA, 0x1234)).toEqual(Uint8Array.from([
      0x48, 0x42, 0x4c, 0x4b, 1, 0, 0, 0, 0x34, 0x12, 0, 0,
    ]));
    expect(linkHeader(LINK_HEARTBEAT, 0)).toHaveLength(LINK_HEADER_SIZE);
  });

  it.each([1, 5, 12, 13, 100])('splits %i-byte chunks into data and heartbeats', (size) => {
    const got = decode(wire, size);
    expect(got.error).toBeNull();
    expect(got.data).toEqual([...payload]);
    expect(got.beats).toBe(2);
  });

  it.each([
    ['bad magic', Uint8Array.from([0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]), /magic 0x0/],
    ['heartbeat with a length', linkHeader(LINK_HEARTBEAT, 4), /heartbeat with length 4/],
    ['unknown kind', Uint8Array.from([0x48, 0x42, 0x4c, 0x4b, 9, 0, 0, 0, 1, 0, 0, 0]), /kind 9/],
    ['empty data', linkHeader(LINK_DATA, 0), /data length 0 not in 1\.\./],
    ['oversized data', linkHeader(LINK_DATA, LINK_MAX_PAYLOAD + 1), /data length \d+ not in 1\.\./],
  ])('refuses a frame with %s at its offset, and stays failed', (_name, bad, detail) => {
    const bytes = Uint8Array.from([...wire, ...bad]);
    const got = decode(bytes, 7);
    expect(got.error).toBeInstanceOf(LinkError);
    expect((got.error as LinkError).code).toBe('BAD_LINK_FRAME');
    expect((got.error as LinkError).offset).toBe(wire.length);
    expect((got.error as Error).message).toMatch(new RegExp(`^LINK_FRAME at offset ${wire.length}: `));
    expect((got.error as Error).message).toMatch(detail);
    const dec = new LinkDecoder({ data: () => {}, heartbeat: () => {} });
    expect(() => dec.feed(bytes)).toThrow(LinkError);
    expect(dec.failure).toBeInstanceOf(LinkError);
    expect(() => dec.feed(wire)).toThrow(/LINK_FRAME at offset/);
  });
});
