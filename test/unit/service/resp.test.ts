import { describe, expect, it } from 'vitest';
import {
  encodeBulk, encodeCommand, encodeError, encodeInteger, encodeSimple, parseReply, parseRequest, parseStrictInt, splitArgs,
  type ParsedRequest,
} from '../../../src/service/resp.js';

const MAX = 4096;
const b = (s: string) => Buffer.from(s, 'latin1');
/** A parse result with args as strings, for comparing. */
function show(r: ParsedRequest) {
  return r.kind === 'command' ? { kind: r.kind, args: r.args.map((a) => a.toString('latin1')), bytes: r.bytes } : r;
}

describe('parseRequest: multibulk', () => {
  const cases: [string, string, ReturnType<typeof show>][] = [
    ['GET', '*2\r\n$3\r\nGET\r\n$1\r\nk\r\n', { kind: 'command', args: ['GET', 'k'], bytes: 20 }],
    ['empty bulk', '*2\r\n$3\r\nGET\r\n$0\r\n\r\n', { kind: 'command', args: ['GET', ''], bytes: 19 }],
    ['binary bytes and CRLF inside a bulk', '*2\r\n$4\r\nPING\r\n$4\r\n\r\n\x00\xff\r\n', { kind: 'command', args: ['PING', '\r\n\x00\xff'], bytes: 24 }],
    ['a second request after it is left', '*1\r\n$4\r\nPING\r\n*1\r\n', { kind: 'command', args: ['PING'], bytes: 14 }],
    ['*0 is skipped', '*0\r\n', { kind: 'empty', bytes: 4 }],
    ['*-1 is skipped', '*-1\r\nPING\r\n', { kind: 'empty', bytes: 5 }],
    ['count not a number', '*x\r\n', { kind: 'protocol-error', message: 'Protocol error: invalid multibulk length' }],
    ['count with a leading zero', '*01\r\n', { kind: 'protocol-error', message: 'Protocol error: invalid multibulk length' }],
    ['count beyond the request limit', '*5000\r\n', { kind: 'protocol-error', message: 'Protocol error: invalid multibulk length' }],
    ['not a bulk', '*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n', { kind: 'protocol-error', message: "Protocol error: expected '$', got 'f'" }],
    ['negative bulk length', '*1\r\n$-3\r\n', { kind: 'protocol-error', message: 'Protocol error: invalid bulk length' }],
    ['bulk length not a number', '*1\r\n$abc\r\n', { kind: 'protocol-error', message: 'Protocol error: invalid bulk length' }],
    ['bulk longer than declared', '*1\r\n$1\r\nab\r\n', { kind: 'protocol-error', message: "Protocol error: expected '\\r\\n' after bulk data" }],
    ['declared bulk beyond the limit, refused before its data', '*2\r\n$3\r\nSET\r\n$5000\r\n', { kind: 'protocol-error', message: 'Protocol error: too big request (more than 4096 bytes)' }],
  ];
  for (const [name, input, want] of cases) it(name, () => expect(show(parseRequest(b(input), 0, MAX))).toEqual(want));

  it('every proper prefix of a request is incomplete, the whole is one command', () => {
    const whole = encodeCommand(['SET', 'key:__rand_int__', 'xxx']);
    for (let n = 0; n < whole.length; n++) expect(parseRequest(whole.subarray(0, n), 0, MAX)).toEqual({ kind: 'incomplete' });
    expect(show(parseRequest(whole, 0, MAX))).toEqual({ kind: 'command', args: ['SET', 'key:__rand_int__', 'xxx'], bytes: whole.length });
  });

  it('parses at an offset', () => {
    const buf = Buffer.concat([b('junk'), encodeCommand(['PING'])]);
    expect(show(parseRequest(buf, 4, MAX))).toEqual({ kind: 'command', args: ['PING'], bytes: buf.length - 4 });
  });

  it('a request of exactly the limit is taken, one byte more is refused', () => {
    const header = (n: number) => `*2\r\n$3\r\nSET\r\n$${n}\r\n`;
    const fill = (total: number) => { const n = total - header(1000).length - 2; return header(n) + 'v'.repeat(n) + '\r\n'; };
    expect(parseRequest(b(fill(MAX)), 0, MAX).kind).toBe('command');
    expect(parseRequest(b(fill(MAX + 1)), 0, MAX)).toEqual({ kind: 'protocol-error', message: 'Protocol error: too big request (more than 4096 bytes)' });
  });

  it('a count line that never ends is refused once the limit is buffered', () => {
    expect(parseRequest(b('*' + '1'.repeat(100)), 0, MAX)).toEqual({ kind: 'incomplete' });
    expect(parseRequest(b('*' + '1'.repeat(MAX)), 0, MAX).kind).toBe('protocol-error');
  });
});

describe('parseRequest: inline', () => {
  const cases: [string, string, ReturnType<typeof show>][] = [
    ['words', 'SET k v\r\n', { kind: 'command', args: ['SET', 'k', 'v'], bytes: 9 }],
    ['\\n alone ends a line', 'PING\n', { kind: 'command', args: ['PING'], bytes: 5 }],
    ['runs of spaces and tabs', '  GET \t k  \r\n', { kind: 'command', args: ['GET', 'k'], bytes: 13 }],
    ['empty line skipped', '\r\n', { kind: 'empty', bytes: 2 }],
    ['double quotes with escapes', 'SET "a b" "x\\x41\\n\\"y"\r\n', { kind: 'command', args: ['SET', 'a b', 'xA\n"y'], bytes: 24 }],
    ['single quotes', "SET 'it''s' 'a\\'b'\n", { kind: 'protocol-error', message: 'Protocol error: unbalanced quotes in request' }],
    ['single quote escape', "SET k 'a\\'b'\n", { kind: 'command', args: ['SET', 'k', "a'b"], bytes: 13 }],
    ['empty quoted word', 'GET ""\n', { kind: 'command', args: ['GET', ''], bytes: 7 }],
    ['unterminated quote', 'GET "abc\r\n', { kind: 'protocol-error', message: 'Protocol error: unbalanced quotes in request' }],
    ['quote not ending its word', 'GET "a"b\r\n', { kind: 'protocol-error', message: 'Protocol error: unbalanced quotes in request' }],
    ['no newline yet', 'GET k', { kind: 'incomplete' }],
  ];
  for (const [name, input, want] of cases) it(name, () => expect(show(parseRequest(b(input), 0, MAX))).toEqual(want));

  it('a line longer than the limit is refused, with or without its newline', () => {
    expect(parseRequest(b('x'.repeat(MAX)), 0, MAX)).toEqual({ kind: 'protocol-error', message: 'Protocol error: too big inline request' });
    expect(parseRequest(b('x'.repeat(MAX) + '\n'), 0, MAX)).toEqual({ kind: 'protocol-error', message: 'Protocol error: too big inline request' });
    expect(parseRequest(b('x'.repeat(MAX - 1) + '\n'), 0, MAX).kind).toBe('command');
  });

  it('splitArgs keeps bytes above 0x7f as they are', () => {
    expect(splitArgs(b('a\xe9 "\\xff"'))!.map((x) => [...x])).toEqual([[0x61, 0xe9], [0xff]]);
  });
});

describe('replies', () => {
  const cases: [string, Buffer, string][] = [
    ['simple', encodeSimple('OK'), '+OK\r\n'],
    ['error, newlines flattened', encodeError('ERR bad\r\nthing'), '-ERR bad  thing\r\n'],
    ['integer', encodeInteger(-42n), ':-42\r\n'],
    ['bulk', encodeBulk(b('a\r\nb')), '$4\r\na\r\nb\r\n'],
    ['null bulk', encodeBulk(null), '$-1\r\n'],
    ['command', encodeCommand(['GET', 'k']), '*2\r\n$3\r\nGET\r\n$1\r\nk\r\n'],
  ];
  for (const [name, got, want] of cases) it(`encode ${name}`, () => expect(got.toString('latin1')).toBe(want));

  it('parseReply reads each type and says where the next starts', () => {
    const buf = b('+OK\r\n-ERR x\r\n:7\r\n$3\r\nabc\r\n$-1\r\n*2\r\n:1\r\n$0\r\n\r\n*-1\r\n');
    const got = [];
    for (let at = 0; at < buf.length;) {
      const r = parseReply(buf, at)!;
      got.push(r.value);
      at = r.next;
    }
    expect(got).toEqual([
      { type: 'simple', text: 'OK' }, { type: 'error', text: 'ERR x' }, { type: 'integer', value: 7n },
      { type: 'bulk', bytes: b('abc') }, { type: 'bulk', bytes: null },
      { type: 'array', items: [{ type: 'integer', value: 1n }, { type: 'bulk', bytes: b('') }] }, { type: 'array', items: null },
    ]);
  });

  it('parseReply: every proper prefix is incomplete', () => {
    const whole = b('*2\r\n$5\r\nhello\r\n:12\r\n');
    for (let n = 0; n < whole.length; n++) expect(parseReply(whole.subarray(0, n), 0)).toBeNull();
    expect(parseReply(whole, 0)!.next).toBe(whole.length);
  });

  const bad: [string, string][] = [['unknown type', '?x\r\n'], ['bad integer', ':1x\r\n'], ['bulk overrun', '$1\r\nab\r\n'], ['bare \\r', '+OK\rX']];
  for (const [name, input] of bad) it(`parseReply refuses ${name}`, () => expect(() => parseReply(b(input), 0)).toThrow(/reply at byte 0/));
});

describe('parseStrictInt (Redis string2ll)', () => {
  const cases: [string, bigint | null][] = [
    ['0', 0n], ['-1', -1n], ['9223372036854775807', 2n ** 63n - 1n], ['-9223372036854775808', -(2n ** 63n)],
    ['9223372036854775808', null], ['-0', null], ['01', null], ['+1', null], [' 1', null], ['1 ', null], ['', null], ['1.5', null],
  ];
  for (const [s, want] of cases) it(JSON.stringify(s), () => expect(parseStrictInt(s)).toBe(want));
});

describe('seeded random: round trips and garbage', () => {
  const rng = (seed: number) => {
    let x = seed >>> 0 || 1;
    return (n: number) => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x % n; };
  };

  it('pipelined random commands, cut at random points, parse back to the same arguments', () => {
    for (const seed of [1, 2, 3, 4]) {
      const rnd = rng(seed);
      const sent = Array.from({ length: 200 }, () => Array.from({ length: 1 + rnd(4) }, () => Buffer.from(Array.from({ length: rnd(40) }, () => rnd(256)))));
      const wire = Buffer.concat(sent.map((args) => encodeCommand(args)));
      const got: Buffer[][] = [];
      let pending = Buffer.alloc(0);
      for (let at = 0; at < wire.length;) {
        const n = 1 + rnd(60);
        pending = Buffer.concat([pending, wire.subarray(at, at + n)]);
        at += n;
        let used = 0;
        for (let r = parseRequest(pending, used, MAX); r.kind !== 'incomplete'; r = parseRequest(pending, used, MAX)) {
          if (r.kind !== 'command') throw new Error(`seed ${seed}: ${JSON.stringify(r)}`);
          got.push(r.args);
          used += r.bytes;
        }
        pending = pending.subarray(used);
      }
      expect(got).toEqual(sent);
    }
  });

  it('random bytes never throw: each parse is a command, empty, incomplete or a protocol error', () => {
    const rnd = rng(7);
    const alphabet = Buffer.from('*$\r\n0123456789-"\' abcSETGET\\x');
    for (let i = 0; i < 3000; i++) {
      const buf = Buffer.from(Array.from({ length: rnd(80) }, () => (rnd(4) === 0 ? rnd(256) : alphabet[rnd(alphabet.length)]!)));
      const r = parseRequest(buf, 0, 64);
      expect(['command', 'empty', 'incomplete', 'protocol-error']).toContain(r.kind);
      if (r.kind === 'command' || r.kind === 'empty') expect(r.bytes).toBeGreaterThan(0);
      if (r.kind === 'command' || r.kind === 'empty') expect(r.bytes).toBeLessThanOrEqual(Math.min(64, buf.length));
    }
  });
});
