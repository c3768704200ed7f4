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
    link.send({ epoch: 1, guestPages: 4, pfns: Uint32Array.of(2), pages: new Uint8Array(PAGE_SIZE).fill(7), contexts, final: false });
    expect(events).toEqual(['done 0', 'ack 0', 'ack 1']); // acked, buffer still the image's
    expect(link.localImage.page(2)[0]).toBe(7);
    link.send({ epoch: 2, guestPages: 4, pfns: Uint32Array.of(2), pages: new Uint8Array(PAGE_SIZE).fill(8), contexts, final: false });
    expect(events.slice(3)).toEqual(['done 1', 'ack 2']); // epoch 1's only page overwritten
    for (let e = 3; e < 3 + MAX_HELD; e++) {
      link.send({ epoch: e, guestPages: 4, pfns: Uint32Array.of(e - 3), pages: new Uint8Array(PAGE_SIZE).fill(e), contexts, final: false });
    }
    expect(events).toContain('done 2'); // more than MAX_HELD held: its page copied out first
    expect(link.localImage.page(2)[0]).toBe(8);
    expect(link.localImage.ram[2 * PAGE_SIZE]).toBe(8);
    expect(link.localImage.ram[3 * PAGE_SIZE]).toBe(1);
  });
});
