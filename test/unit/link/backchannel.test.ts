import { describe, it, expect } from 'vitest';
import {
  BackchannelDecoder, FRAME_ACK, FRAME_HEARTBEAT, FRAME_NACK, FRAME_SIZE, encodeFrame, type BackchannelFrame,
} from '../../../src/link/link-frames.js';
import { StreamError } from '../../../src/stream/errors.js';

describe('ack/heartbeat back-channel', () => {
  const frames: BackchannelFrame[] = [
    { kind: FRAME_ACK, epoch: 0 },
    { kind: FRAME_HEARTBEAT, epoch: 41 },
    { kind: FRAME_NACK, epoch: 2 ** 40 + 3 },
  ];
  const bytes = Uint8Array.from(frames.flatMap((f) => [...encodeFrame(f)]));

  it('writes 16-byte little-endian frames', () => {
    expect(encodeFrame(frames[1]!)).toEqual(Uint8Array.from([
      0x48, 0x42, 0x41, 0x4b, 2, 0, 0, 0, 41, 0, 0, 0, 0, 0, 0, 0,
    ]));
    expect(bytes).toHaveLength(3 * FRAME_SIZE);
  });

  it.each([1, 5, 16, 48])('reassembles frames from %i-byte chunks', (size) => {
    const dec = new BackchannelDecoder();
    const got: BackchannelFrame[] = [];
    for (let at = 0; at < bytes.length; at += size) got.push(...dec.feed(bytes.subarray(at, at + size)));
    expect(got).toEqual(frames);
  });

  it.each([
    ['bad magic', 0, 0x00],
    ['unknown kind', 4, 9],
  ])('refuses a frame with %s and stays failed', (_name, at, value) => {
    const bad = bytes.slice();
    bad[FRAME_SIZE + at] = value;
    const dec = new BackchannelDecoder();
    expect(() => dec.feed(bad)).toThrow(StreamError);
    expect(() => dec.feed(bytes)).toThrow(/BACKCHANNEL_FRAME at offset 16/);
  });
});
