// The in-process link copies epoch 0 (a view of guest RAM) into its image inside send()
// and is done with it at once; later epochs' staging buffers are adopted by the image and
// handed back (onPagesDone) only once no committed page lives in them.
import { describe, expect, it } from 'vitest';
import { CTX_SLOTS, PAGE_SIZE } from '../../../src/vm/layout.js';
import { InprocLink } from '../../../src/link/backup-link.js';
import { MAX_HELD } from '../../../src/replica/backup-image.js';

describe('InprocLink capabilities', () => {
  it('keeps no view of epoch 0; a later buffer comes back only once its pages are overwritten or copied out', () => {
    const link = new InprocLink(4, 1, null, null);
    expect(link.keepsPageViews).toBe(false);
    const events: string[] = [];
    link.onAck = (e) => events.push(`ack ${e}`);
    link.onPagesDone = (img) => {
      events.push(`done ${img.epoch}`);
      img.pages.fill(0xee); // reused at once: the image must no longer need it
    };
    const contexts = [new Float64Array(CTX_SLOTS)];
    const all = Uint32Array.of(0, 1, 2, 3);
    expect(link.send({ epoch: 0, guestPages: 4, pfns: all, pages: new Uint8Array(4 * PAGE_SIZE).fill(1), contexts, final: false })).toBeNull();
    expect(events).toEqual(['done 0', 'ack 0']);
    // Epoch 1 rewrites a quarter of epoch 0's pages (ADOPT_MIN_REWRITE): adopted.
    link.send({ epoch: 1, guestPages: 4, pfns: Uint32Array.of(2), pages: new Uint8Array(PAGE_SIZE).fill(7), contexts, final: false });
    expect(events).toEqual(['done 0', 'ack 0', 'ack 1']); // acked, buffer still the image's
    expect(link.localImage.page(2)[0]).toBe(7);
    const send = (e: number, pfns: number[]) =>
      link.send({ epoch: e, guestPages: 4, pfns: Uint32Array.from(pfns), pages: new Uint8Array(pfns.length * PAGE_SIZE).fill(e), contexts, final: false });
    send(2, [1, 2]);
    expect(events.slice(3)).toEqual(['done 1', 'ack 2']); // epoch 1's only page overwritten
    send(3, [0, 1]);
    expect(events.slice(5)).toEqual(['ack 3']);
    send(4, [0, 3]); // MAX_HELD + 1 held: epoch 2's live page (2) is copied out, then it goes back
    expect(MAX_HELD).toBe(2);
    expect(events.slice(6)).toEqual(['done 2', 'ack 4']);
    expect(link.localImage.page(2)[0]).toBe(2);
    send(5, [2]); // rewrites none of epoch 4's pages: copied, done with at once
    expect(events.slice(8)).toEqual(['done 5', 'ack 5']);
    expect(link.localImage.heldEpochs).toBe(2);
    expect(Array.from({ length: 4 }, (_, p) => link.localImage.ram[p * PAGE_SIZE])).toEqual([4, 3, 5, 4]);
    expect(link.localImage.heldEpochs).toBe(0); // reading the whole RAM settled it
  });
});
