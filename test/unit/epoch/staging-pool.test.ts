import { describe, expect, it } from 'vitest';
import { StagingPool } from '../../../src/epoch/staging-pool.js';

describe('staging pool', () => {
  it('allocates with the given allocator (shared buffers for copier threads) and reuses those', () => {
    const returned: ArrayBufferLike[] = [];
    const pool = new StagingPool(() => returned.shift(), (bytes) => new SharedArrayBuffer(bytes));
    const a = pool.take(10 * 4096);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    returned.push(a.buffer);
    expect(pool.take(9 * 4096).buffer).toBe(a.buffer);
    expect(pool.allocations).toBe(1);
    expect(pool.reuses).toBe(1);
  });

  it('reuses a returned buffer that is big enough, the smallest such', () => {
    const returned: ArrayBuffer[] = [];
    const pool = new StagingPool(() => returned.shift());
    const a = pool.take(10 * 4096);
    const b = pool.take(100 * 4096);
    expect(a.byteLength).toBe(10 * 4096);
    returned.push(b.buffer as ArrayBuffer, a.buffer as ArrayBuffer);
    const c = pool.take(8 * 4096);
    expect(c.buffer).toBe(a.buffer);
    expect(c.byteLength).toBe(8 * 4096);
    const d = pool.take(90 * 4096);
    expect(d.buffer).toBe(b.buffer);
    const e = pool.take(4096);
    expect(e.buffer).not.toBe(a.buffer);
  });

  it('keeps only a few spares, the largest', () => {
    const pool = new StagingPool();
    for (const n of [1, 5, 3, 9, 2]) pool.give(new ArrayBuffer(n * 4096));
    expect(pool.spares).toBe(3);
    expect(pool.take(9 * 4096).buffer.byteLength).toBe(9 * 4096);
    expect(pool.take(1).buffer.byteLength).toBe(3 * 4096);
  });

  it('lets every too-small spare go when a larger epoch needs a fresh buffer', () => {
    const pool = new StagingPool();
    const small = [new ArrayBuffer(2 * 4096), new ArrayBuffer(3 * 4096)];
    for (const b of small) pool.give(b);
    const big = pool.take(50 * 4096);
    expect(pool.allocations).toBe(1);
    expect(pool.spares).toBe(0);
    pool.give(big.buffer);
    // The only spare is the large one: a small epoch reuses it instead of a kept small buffer.
    expect(pool.take(2 * 4096).buffer).toBe(big.buffer);
    expect(small).not.toContain(pool.take(2 * 4096).buffer);
  });

  it('an empty epoch needs no buffer', () => {
    expect(new StagingPool().take(0).byteLength).toBe(0);
  });
});
