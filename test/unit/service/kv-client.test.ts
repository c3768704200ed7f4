// The kv client's two-master rule: a replica superseded by a later one may still
// deliver late replies to writes sent before the takeover, never to writes sent after.
import { describe, expect, it } from 'vitest';
import { MasterLog } from '../../../src/service/kv-client.js';

describe('MasterLog', () => {
  it('a clean failover, with late replies from the old primary, has no two-master event', () => {
    let t = 0;
    const log = new MasterLog(2, () => t);
    t = 10; expect(log.acked(0, 5)).toBe(false);
    t = 100; expect(log.acked(1, 90)).toBe(false); // the backup takes over
    t = 120; expect(log.acked(0, 50)).toBe(false); // the old primary releases a reply its backup had acked
    t = 130; expect(log.acked(1, 125)).toBe(false);
    expect(log.order).toEqual([0, 1]);
  });

  it('the old primary acking a write sent after the takeover is a two-master event', () => {
    let t = 0;
    const log = new MasterLog(2, () => t);
    t = 10; log.acked(0, 5);
    t = 100; log.acked(1, 90);
    t = 150; expect(log.acked(0, 140)).toBe(true);
  });
});
