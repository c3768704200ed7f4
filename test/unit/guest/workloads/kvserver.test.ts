// The kvserver guest against a real device ring and guest RAM, on this thread: commands
// in, RESP replies out, compared with a table and with a Map-based reference.
import { describe, expect, it } from 'vitest';
import { UntrackedMemory } from '../../../../src/vm/access.js';
import { CTRL_GLOBAL_WORDS, CTRL_REQ, PAGE_SIZE, REQ_STOP } from '../../../../src/vm/layout.js';
import { allocateVm, attachVm } from '../../../../src/vm/vm-buffers.js';
import { commandAction } from '../../../../src/service/kv-commands.js';
import { allocateNetDevice, deviceIo, pushRequest } from '../../../../src/guest/net-device.js';
import { kvserver } from '../../../../src/guest/workloads/kvserver.js';
import { workloadParams } from '../../../../src/guest/workloads/params.js';

/** A guest of `pages` pages; `run(...words)` sends one command and returns its reply. */
function guest(pages: number) {
  const vm = attachVm(allocateVm(pages, 1));
  const mem = new UntrackedMemory(vm);
  const ring = new Int32Array(allocateNetDevice());
  const ctrl = new Int32Array(CTRL_GLOBAL_WORDS);
  ctrl[CTRL_REQ] = REQ_STOP; // empty polls return at once
  const replies: string[] = [];
  const params = { ...workloadParams(0, 1, pages, 1, {}), io: deviceIo(ring, ctrl, () => 0, (_e, _c, t) => replies.push(t)) };
  const regs = new Float64Array(8);
  kvserver.init(mem, regs, params);
  const run = (...words: (string | Buffer)[]): string => {
    const action = commandAction(words.map((w) => (typeof w === 'string' ? Buffer.from(w, 'latin1') : w)));
    if (action.kind === 'local') return action.reply.toString('latin1');
    const got: string[] = [];
    for (const r of action.requests) {
      expect(pushRequest(ring, 1, r.op, r.key, r.value)).toBe(true);
      kvserver.step(mem, regs, 1, params);
      got.push(replies.shift()!);
    }
    return action.sum ? `:${got.reduce((s, r) => s + Number(r.slice(1, -2)), 0)}\r\n` : got[0]!;
  };
  return { run, mem, regs, params };
}

describe('kvserver guest: commands', () => {
  const bin = Buffer.from([0, 13, 10, 255, 36]);
  const cases: [string, (string | Buffer)[], string][] = [
    ['GET of a missing key', ['GET', 'a'], '$-1\r\n'],
    ['SET', ['SET', 'a', 'hello'], '+OK\r\n'],
    ['GET', ['GET', 'a'], '$5\r\nhello\r\n'],
    ['SET overwrites', ['SET', 'a', 'hi'], '+OK\r\n'],
    ['shorter value read back whole', ['GET', 'a'], '$2\r\nhi\r\n'],
    ['binary key and value', ['SET', bin, bin], '+OK\r\n'],
    ['binary read back', ['GET', bin], `$5\r\n${bin.toString('latin1')}\r\n`],
    ['empty key and value', ['SET', '', ''], '+OK\r\n'],
    ['empty read back', ['GET', ''], '$0\r\n\r\n'],
    ['key of 64 bytes', ['SET', 'k'.repeat(64), 'v'.repeat(176)], '+OK\r\n'],
    ['value of 176 bytes', ['GET', 'k'.repeat(64)], `$176\r\n${'v'.repeat(176)}\r\n`],
    ['keys differ in their last byte', ['GET', 'k'.repeat(63) + 'j'], '$-1\r\n'],
    ['EXISTS', ['EXISTS', 'a', 'nope', 'a'], ':2\r\n'],
    ['DEL', ['DEL', 'a', 'nope'], ':1\r\n'],
    ['deleted', ['GET', 'a'], '$-1\r\n'],
    ['INCR of a missing key', ['INCR', 'n'], ':1\r\n'],
    ['INCR', ['INCR', 'n'], ':2\r\n'],
    ['INCR stored as a decimal string', ['GET', 'n'], '$1\r\n2\r\n'],
    ['INCR of a non-integer', ['INCR', bin], '-ERR value is not an integer or out of range\r\n'],
    ['SET a negative number', ['SET', 'm', '-10'], '+OK\r\n'],
    ['INCR of it', ['INCR', 'm'], ':-9\r\n'],
    ['SET a leading zero', ['SET', 'z', '01'], '+OK\r\n'],
    ['INCR refuses a leading zero', ['INCR', 'z'], '-ERR value is not an integer or out of range\r\n'],
    ['SET int64 max', ['SET', 'big', '9223372036854775807'], '+OK\r\n'],
    ['INCR overflows', ['INCR', 'big'], '-ERR increment or decrement would overflow\r\n'],
    ['SET beyond int64', ['SET', 'big', '9223372036854775808'], '+OK\r\n'],
    ['INCR refuses it', ['INCR', 'big'], '-ERR value is not an integer or out of range\r\n'],
    ['SET after DEL reuses the key', ['SET', 'a', 'again'], '+OK\r\n'],
    ['read back', ['GET', 'a'], '$5\r\nagain\r\n'],
  ];
  const g = guest(16);
  for (const [name, words, want] of cases) it(name, () => expect(g.run(...words)).toBe(want));
});

describe('kvserver guest: limits', () => {
  it('a full table answers OOM, and DEL makes room again', () => {
    const g = guest(1); // one page: 16 slots
    const slots = PAGE_SIZE / 256;
    for (let i = 0; i < slots; i++) expect(g.run('SET', `k${i}`, 'v')).toBe('+OK\r\n');
    expect(g.run('SET', 'one-more', 'v')).toBe("-OOM command not allowed when used memory > 'maxmemory'.\r\n");
    expect(g.run('INCR', 'one-more')).toMatch(/^-OOM/);
    expect(g.run('GET', 'one-more')).toBe('$-1\r\n'); // a full probe finds nothing, and stops
    expect(g.run('DEL', 'k3')).toBe(':1\r\n');
    expect(g.run('SET', 'one-more', 'v')).toBe('+OK\r\n');
    for (let i = 0; i < slots; i++) expect(g.run('GET', `k${i}`)).toBe(i === 3 ? '$-1\r\n' : '$1\r\nv\r\n');
  });
});

describe('kvserver guest: seeded random commands against a Map', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}`, () => {
      const g = guest(8); // 128 slots, 100 keys: long probe chains, many tombstones
      const ref = new Map<string, string>();
      let x = seed * 0x9e3779b1;
      const rnd = (n: number) => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x % n; };
      for (let i = 0; i < 4000; i++) {
        const n = rnd(100);
        const key = `key:${n}`.padEnd(6 + ((n * 7) % 59), '#'); // 100 keys of 6..64 bytes
        const op = rnd(5);
        if (op === 0) {
          const value = rnd(3) === 0 ? String(rnd(1000)) : 'v'.repeat(rnd(177));
          expect(g.run('SET', key, value)).toBe('+OK\r\n');
          ref.set(key, value);
        } else if (op === 1) {
          const v = ref.get(key);
          expect(g.run('GET', key)).toBe(v === undefined ? '$-1\r\n' : `$${v.length}\r\n${v}\r\n`);
        } else if (op === 2) {
          expect(g.run('DEL', key)).toBe(`:${ref.delete(key) ? 1 : 0}\r\n`);
        } else if (op === 3) {
          expect(g.run('EXISTS', key)).toBe(`:${ref.has(key) ? 1 : 0}\r\n`);
        } else {
          const v = ref.get(key) ?? '0';
          if (/^(0|-?[1-9][0-9]*)$/.test(v)) {
            expect(g.run('INCR', key)).toBe(`:${Number(v) + 1}\r\n`);
            ref.set(key, String(Number(v) + 1));
          } else expect(g.run('INCR', key)).toMatch(/^-ERR value is not an integer/);
        }
      }
    });
  }
});
