import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  LackeyParser, OP_IFETCH, OP_LOAD, OP_MODIFY, OP_STORE, TraceFormatError, opCrosses, opKind, opOffset, opPages,
  parseLackey, type LackeyProgram,
} from '../../../../../src/guest/workloads/trace/lackey.js';
import { loadLackeyFile, readLackeyFile, traceParseCount } from '../../../../../src/guest/workloads/trace/trace-file.js';
import { refOpsFromLackey, refPageCount } from '../../../../helpers/reference-counts.js';

const DATA = { ifetch: false, source: '<inline>' };
const WITH_IFETCH = { ifetch: true, source: '<inline>' };

function decoded(p: LackeyProgram): Array<{ kind: number; pages: number[]; offset: number }> {
  return Array.from({ length: p.opCount }, (_, i) => ({ kind: opKind(p.ops, i), pages: opPages(p.ops, i), offset: opOffset(p.ops, i) }));
}

// A lackey log as valgrind writes it: banner, instruction fetches, data accesses, trailer.
const SNIPPET = [
  '==4251== Lackey, an example Valgrind tool',
  '==4251== Command: ./qsort_hash',
  'I  00401a30,4', // code page 0x401
  ' S 1ffefff8a8,8', // stack page 0x1ffefff
  ' L 004c6f10,4', // data page 0x4c6
  'I  00401a34,3',
  ' M 004c6f14,4', // data page 0x4c6 again
  ' L 1ffefff8a0,8',
  '==4251== Counted 1 call to main()',
  '',
].join('\n');

describe('lackey parser', () => {
  it('skips banner lines, drops I lines and numbers pages by first touch', () => {
    const p = parseLackey(SNIPPET, DATA);
    expect(decoded(p)).toEqual([
      { kind: OP_STORE, pages: [0], offset: 0x8a8 },
      { kind: OP_LOAD, pages: [1], offset: 0xf10 },
      { kind: OP_MODIFY, pages: [1], offset: 0xf14 },
      { kind: OP_LOAD, pages: [0], offset: 0x8a0 },
    ]);
    expect(p.pages).toBe(2);
    expect(p.lines).toBe(9); // the text ends with a newline: no empty tenth line
    expect(p.skippedLines).toBe(3); // two banners and the trailer
  });

  it('keeps I lines as ifetch operations, numbered in order, when asked', () => {
    const p = parseLackey(SNIPPET, WITH_IFETCH);
    expect(decoded(p).map((o) => [o.kind, o.pages])).toEqual([
      [OP_IFETCH, [0]],
      [OP_STORE, [1]],
      [OP_LOAD, [2]],
      [OP_IFETCH, [0]],
      [OP_MODIFY, [2]],
      [OP_LOAD, [1]],
    ]);
    expect(p.pages).toBe(3);
  });

  it('an access crossing a page boundary touches both pages, in address order', () => {
    const p = parseLackey([' L 00002ffc,4', ' L 00002ffd,4', ' S 00001ff8,16', ' M 00004fff,2'].join('\n'), DATA);
    // 0x2ffc+4 ends at 0x2fff: one page. 0x2ffd+4 reaches 0x3000: pages 0x2, 0x3.
    // 0x1ff8+16 spans 0x1, 0x2. 0x4fff+2 spans 0x4, 0x5.
    expect(decoded(p).map((o) => o.pages)).toEqual([[0], [0, 1], [2, 0], [3, 4]]);
    expect([0, 1, 2, 3].map((i) => opCrosses(p.ops, i))).toEqual([false, true, true, true]);
    expect(p.pages).toBe(5);
  });

  it('parses 64-bit addresses exactly, with no 32-bit truncation', () => {
    const p = parseLackey(
      [
        ' L 0000000000001000,8', // page 0x1
        ' L 0000000100001000,8', // page 0x100001: equal to the first in its low 32 bits
        ' S ffffffffff600ff8,8', // vsyscall page
        ' S fffffffffffffff0,8', // the top page of the address space, page 2^52 - 1
        ' L 7ffc12345ff8,16', // crosses into 0x7ffc12346
        ' L FFFFFFFFFF600FF8,8', // upper-case hex is the same page as above
      ].join('\n'),
      DATA,
    );
    expect(decoded(p).map((o) => o.pages)).toEqual([[0], [1], [2], [3], [4, 5], [2]]);
    expect(opOffset(p.ops, 3)).toBe(0xff0);
  });

  it('rejects an access that wraps past 2^64, naming source and line', () => {
    expect(() => parseLackey('==1== hi\n S fffffffffffffffc,8\n', { ifetch: false, source: 't.lackey' })).toThrow(
      /lackey t\.lackey:2: access wraps/,
    );
  });

  it('rejects malformed access lines with the file and line, and skips other text', () => {
    const bad = (line: string) => () => parseLackey(`==1== banner\n${line}\n`, { ifetch: false, source: 'bad.lackey' });
    expect(bad(' L 10000000000000000,4')).toThrow(/bad\.lackey:2: address 10000000000000000 is wider than 64 bits/);
    expect(bad(' S 1000,0')).toThrow(/bad\.lackey:2: access size 0/);
    expect(bad(' S 1000,4097')).toThrow(/bad\.lackey:2: access size 4097/);
    expect(bad(' S 1000,0')).toThrow(TraceFormatError);
    // A bad I line is an error even when I lines are dropped: the trace is corrupt.
    expect(bad('I  1000,0')).toThrow(/bad\.lackey:2/);
    const skipped = parseLackey(
      ['--12-- warning: x', 'Ignored 1000,4', 'L', ' L', ' L 1000', ' L 10x0,4', ' L 1000,4 extra', ' X 1000,4'].join('\n'),
      DATA,
    );
    expect(skipped.opCount).toBe(0);
    expect(skipped.skippedLines).toBe(8);
  });

  it('accepts CRLF line ends and a last line without a newline', () => {
    const p = parseLackey(' L 1000,4\r\n S 2000,4', DATA);
    expect(decoded(p).map((o) => [o.kind, o.pages])).toEqual([[OP_LOAD, [0]], [OP_STORE, [1]]]);
  });

  it('gives the same program fed in chunks of any size', () => {
    const text = readFixture('qsort-hash').slice(0, 200_000);
    const whole = parseLackey(text, DATA);
    for (const chunk of [1, 7, 4096]) {
      const parser = new LackeyParser(DATA);
      for (let at = 0; at < text.length; at += chunk) parser.feed(text.slice(at, at + chunk));
      const p = parser.end();
      expect(p.opCount).toBe(whole.opCount);
      expect(p.pages).toBe(whole.pages);
      expect(p.ops).toEqual(whole.ops);
    }
  });

  it('refuses feed after end', () => {
    const parser = new LackeyParser(DATA);
    parser.end();
    expect(() => parser.feed(' L 1000,4\n')).toThrow(/feed after end/);
  });
});

const FIXTURES = ['qsort-hash', 'coreutils-sort', 'gzip'] as const;
const fixturePath = (name: string) => `test/fixtures/traces/${name}.lackey.gz`;
function readFixture(name: string): string {
  return gunzipSync(readFileSync(fixturePath(name))).toString('utf8');
}

// Sizes of the shipped fixtures (test/fixtures/traces/README.md): operations and distinct
// pages without and with ifetch. Re-recording a fixture changes these.
const FIXTURE_SIZES: Record<(typeof FIXTURES)[number], { ops: number; pages: number; opsI: number; pagesI: number }> = {
  'qsort-hash': { ops: 100_247, pages: 40, opsI: 582_858, pagesI: 88 },
  'coreutils-sort': { ops: 97_762, pages: 53, opsI: 299_981, pagesI: 110 },
  gzip: { ops: 88_208, pages: 99, opsI: 299_994, pagesI: 173 },
};

describe('lackey fixtures', () => {
  for (const name of FIXTURES) {
    it(`${name}: agrees op by op with the naive reference parser`, () => {
      const text = readFixture(name);
      for (const ifetch of [false, true]) {
        const p = readLackeyFile(fixturePath(name), ifetch);
        const ref = refOpsFromLackey(text, ifetch);
        const size = FIXTURE_SIZES[name];
        expect(p.opCount).toBe(ifetch ? size.opsI : size.ops);
        expect(p.pages).toBe(ifetch ? size.pagesI : size.pages);
        expect(ref.length).toBe(p.opCount);
        expect(refPageCount(ref)).toBe(p.pages);
        for (let i = 0; i < p.opCount; i++) {
          const refPages = [...new Set(ref[i].map((a) => a.page))];
          const pages = opPages(p.ops, i);
          if (pages.length !== refPages.length || pages.some((pg, j) => pg !== refPages[j])) {
            throw new Error(`${name} op ${i}: parser pages ${pages} != reference pages ${refPages}`);
          }
        }
      }
    });
  }

  it('loadLackeyFile parses a path once per ifetch setting, then serves the cache', () => {
    const before = traceParseCount();
    const a = loadLackeyFile(fixturePath('gzip'), false);
    const b = loadLackeyFile(`./${fixturePath('gzip')}`, false);
    expect(b).toBe(a);
    expect(traceParseCount()).toBe(before + 1);
    expect(loadLackeyFile(fixturePath('gzip'), true).opCount).toBe(FIXTURE_SIZES.gzip.opsI);
    expect(traceParseCount()).toBe(before + 2);
  });

  it('names the file when it cannot be read', () => {
    expect(() => readLackeyFile('test/fixtures/traces/missing.lackey.gz', false)).toThrow(/trace test\/fixtures\/traces\/missing\.lackey\.gz: cannot read/);
  });
});
