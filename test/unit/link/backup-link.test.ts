// The in-process link copies an epoch into its image inside send(): it keeps no page
// views, so the staging buffer is free again before send() returns.
import { describe, expect, it } from 'vitest';
import { CTX_SLOTS, PAGE_SIZE } from '../../../src/vm/layout.js';
import { InprocLink, StreamEncoding } from '../../../src/link/backup-link.js';

describe('InprocLink capabilities', () => {
  it('keeps no page views: pages are done within send(), after they were applied', () => {
    const link = new InprocLink(4, 1, null, null, false);
    expect(link.keepsPageViews).toBe(false);
    expect(link.mirror).toBeNull();
    const events: string[] = [];
    link.onAck = (e) => events.push(`ack ${e}`);
    link.onPagesDone = (img) => {
      events.push(`done ${img.epoch}`);
      img.pages.fill(0xee); // reused at once: the image must already hold its own copy
    };
    const contexts = [new Float64Array(CTX_SLOTS)];
    const all = Uint32Array.of(0, 1, 2, 3);
    expect(link.send({ epoch: 0, guestPages: 4, pfns: all, pages: new Uint8Array(4 * PAGE_SIZE).fill(1), contexts, final: false })).toBeNull();
    link.send({ epoch: 1, guestPages: 4, pfns: Uint32Array.of(2), pages: new Uint8Array(PAGE_SIZE).fill(7), contexts, final: true });
    expect(events).toEqual(['done 0', 'ack 0', 'done 1', 'ack 1']);
    expect(link.localImage.ram[2 * PAGE_SIZE]).toBe(7);
    expect(link.localImage.ram[1 * PAGE_SIZE]).toBe(1);
  });
});

describe('InprocLink mirror', () => {
  it('without a stream the image is a shared mirror the checkpointer may write; a stream needs staged pages', () => {
    const link = new InprocLink(4, 1, null, null);
    expect(link.mirror).toBeInstanceOf(SharedArrayBuffer);
    expect(link.mirror).toBe(link.localImage.ram.buffer);
    expect(link.mirror!.byteLength).toBe(4 * PAGE_SIZE);
    const acks: number[] = [];
    link.onAck = (e) => acks.push(e);
    new Uint8Array(link.mirror!).fill(3, 0, PAGE_SIZE);
    link.send({ epoch: 0, guestPages: 4, pfns: Uint32Array.of(0, 1, 2, 3), pages: new Uint8Array(0), contexts: [new Float64Array(CTX_SLOTS)], final: false, mirrored: true });
    expect(acks).toEqual([0]);
    expect(link.localImage.ram[0]).toBe(3);
    const encoding = new StreamEncoding(false, { workload: 'seqwrite', seed: 1, pages: 4, vcpus: 1, options: {}, opsPerVcpu: 10, durationMs: null, stepOps: 1024, epochMs: null, epochOps: 5 });
    expect(new InprocLink(4, 1, encoding, null).mirror).toBeNull();
    expect(() => new InprocLink(4, 1, encoding, null, true)).toThrow(/no staged pages to encode/);
  });
});
