// Parser of valgrind lackey output (`valgrind --tool=lackey --trace-mem=yes`) into a
// compact replay program (docs/design.md, Workloads). Pure: no I/O. Feed it text in chunks of any size.
//
// Lackey prints one access per line:
//   "I  0401ab70,3"   instruction fetch
//   " L 1ffefff8a8,8" load
//   " S 1ffefff8a0,8" store
//   " M 004c6f10,4"   modify (load then store of the same bytes)
// plus "==pid==" banner lines; every line not of this shape is skipped.

import { PAGE_SHIFT, PAGE_SIZE } from '../../../vm/layout.js';
import { HbftError, type HbftErrorOptions } from '../../../base/errors.js';

export const OP_LOAD = 0;
export const OP_STORE = 1;
export const OP_MODIFY = 2;
export const OP_IFETCH = 3;
export type OpKind = typeof OP_LOAD | typeof OP_STORE | typeof OP_MODIFY | typeof OP_IFETCH;

// One operation is OP_WORDS uint32 words in LackeyProgram.ops.
export const OP_WORDS = 3;
export const OP_HEAD = 0; // kind | crosses << HEAD_CROSS_SHIFT | offset << HEAD_OFFSET_SHIFT
export const OP_PAGE0 = 1; // guest page of the first byte
export const OP_PAGE1 = 2; // guest page of the last byte when the access crosses, else 0
export const HEAD_KIND_MASK = 3;
export const HEAD_CROSS_SHIFT = 2;
export const HEAD_OFFSET_SHIFT = 3;

const HEX_DIGITS_MAX = 16; // a 64-bit address
const OFFSET_HEX_DIGITS = PAGE_SHIFT / 4; // the low hex digits of an address are the page offset
const PAGE_NUMBER_LIMIT = 2 ** (64 - PAGE_SHIFT); // host pages of a 64-bit address space
const INITIAL_OPS = 4096;

export interface LackeyOptions {
  /** Keep `I` lines as operations (reads); dropped otherwise, before page numbering. */
  readonly ifetch: boolean;
  /** Names the trace in error messages (a path, or "<inline>"). */
  readonly source: string;
}

export interface LackeyProgram {
  readonly source: string;
  readonly ifetch: boolean;
  /** opCount × OP_WORDS words; see OP_HEAD, OP_PAGE0, OP_PAGE1. */
  readonly ops: Uint32Array;
  readonly opCount: number;
  /** Distinct guest pages touched; guest pages are 0..pages-1 in order of first touch. */
  readonly pages: number;
  /** Lines read, and lines skipped as not being accesses (banners, other output). */
  readonly lines: number;
  readonly skippedLines: number;
}

/** A trace file that is not lackey output: the file the caller named (exit code 2). */
export class TraceFormatError extends HbftError {
  constructor(message: string, options: HbftErrorOptions = {}) {
    super('ERR_TRACE_FORMAT', message, { input: true, ...options });
  }
}

export function opKind(ops: Uint32Array, op: number): OpKind {
  return (ops[op * OP_WORDS + OP_HEAD] & HEAD_KIND_MASK) as OpKind;
}

export function opCrosses(ops: Uint32Array, op: number): boolean {
  return ((ops[op * OP_WORDS + OP_HEAD] >>> HEAD_CROSS_SHIFT) & 1) === 1;
}

export function opOffset(ops: Uint32Array, op: number): number {
  return ops[op * OP_WORDS + OP_HEAD] >>> HEAD_OFFSET_SHIFT;
}

/** The guest pages op touches, in the order touched. */
export function opPages(ops: Uint32Array, op: number): number[] {
  const base = op * OP_WORDS;
  const first = ops[base + OP_PAGE0];
  return opCrosses(ops, op) ? [first, ops[base + OP_PAGE1]] : [first];
}

const CH_SPACE = 0x20;
const CH_TAB = 0x09;
const CH_CR = 0x0d;
const CH_COMMA = 0x2c;
const CH_0 = 0x30;
const CH_9 = 0x39;

function hexValue(c: number): number {
  if (c >= CH_0 && c <= CH_9) return c - CH_0;
  const lower = c | 0x20; // ASCII letters: set the lowercase bit
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

function kindOf(c: number): OpKind | -1 {
  switch (c) {
    case 0x4c: return OP_LOAD; // 'L'
    case 0x53: return OP_STORE; // 'S'
    case 0x4d: return OP_MODIFY; // 'M'
    case 0x49: return OP_IFETCH; // 'I'
    default: return -1;
  }
}

/** Streaming builder: feed() text chunks, then end() for the program. */
export class LackeyParser {
  private ops = new Uint32Array(INITIAL_OPS * OP_WORDS);
  private opCount = 0;
  // Host page number (exact as a double: at most 52 bits) -> guest page, by first touch.
  private readonly guestPage = new Map<number, number>();
  private lineNo = 0;
  private skipped = 0;
  private tail = '';
  private ended = false;

  constructor(private readonly opts: LackeyOptions) {}

  feed(chunk: string): void {
    if (this.ended) throw new Error(`lackey ${this.opts.source}: feed after end`);
    const text = this.tail + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      this.line(text, start, nl);
      start = nl + 1;
    }
    this.tail = text.slice(start);
  }

  end(): LackeyProgram {
    if (this.ended) throw new Error(`lackey ${this.opts.source}: end called twice`);
    if (this.tail.length > 0) this.line(this.tail, 0, this.tail.length);
    this.tail = '';
    this.ended = true;
    return {
      source: this.opts.source,
      ifetch: this.opts.ifetch,
      ops: this.ops.slice(0, this.opCount * OP_WORDS),
      opCount: this.opCount,
      pages: this.guestPage.size,
      lines: this.lineNo,
      skippedLines: this.skipped,
    };
  }

  private fail(what: string): never {
    throw new TraceFormatError(`lackey ${this.opts.source}:${this.lineNo}: ${what}`);
  }

  /** Parses text[start, end) as one line. */
  private line(text: string, start: number, end: number): void {
    this.lineNo++;
    let i = start;
    while (i < end && (text.charCodeAt(i) === CH_SPACE || text.charCodeAt(i) === CH_TAB)) i++;
    const kind = i < end ? kindOf(text.charCodeAt(i)) : -1;
    i++;
    const afterKind = i;
    while (i < end && text.charCodeAt(i) === CH_SPACE) i++;
    if (kind === -1 || i === afterKind) { this.skipped++; return; }
    const hexStart = i;
    while (i < end && hexValue(text.charCodeAt(i)) >= 0) i++;
    const hexEnd = i;
    if (hexEnd === hexStart || i >= end || text.charCodeAt(i) !== CH_COMMA) { this.skipped++; return; }
    i++;
    const sizeStart = i;
    let size = 0;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c < CH_0 || c > CH_9) break;
      size = size * 10 + (c - CH_0);
      i++;
    }
    if (i === sizeStart) { this.skipped++; return; }
    while (i < end && (text.charCodeAt(i) === CH_SPACE || text.charCodeAt(i) === CH_CR)) i++;
    if (i !== end) { this.skipped++; return; }

    // The line has the shape of an access: from here on, bad values are errors.
    if (hexEnd - hexStart > HEX_DIGITS_MAX) this.fail(`address ${text.slice(hexStart, hexEnd)} is wider than 64 bits`);
    if (size < 1 || size > PAGE_SIZE) this.fail(`access size ${size} is outside 1..${PAGE_SIZE}`);
    if (kind === OP_IFETCH && !this.opts.ifetch) return;

    // Split the hex at the page boundary so no value exceeds 2^53.
    const split = Math.max(hexStart, hexEnd - OFFSET_HEX_DIGITS);
    let page = 0;
    for (let j = hexStart; j < split; j++) page = page * 16 + hexValue(text.charCodeAt(j));
    let offset = 0;
    for (let j = split; j < hexEnd; j++) offset = offset * 16 + hexValue(text.charCodeAt(j));
    const crosses = offset + size > PAGE_SIZE;
    if (crosses && page + 1 >= PAGE_NUMBER_LIMIT) this.fail('access wraps past the top of the 64-bit address space');

    const page0 = this.number(page);
    const page1 = crosses ? this.number(page + 1) : 0;
    this.push(kind, crosses, offset, page0, page1);
  }

  private number(hostPage: number): number {
    let g = this.guestPage.get(hostPage);
    if (g === undefined) {
      g = this.guestPage.size;
      this.guestPage.set(hostPage, g);
    }
    return g;
  }

  private push(kind: OpKind, crosses: boolean, offset: number, page0: number, page1: number): void {
    if ((this.opCount + 1) * OP_WORDS > this.ops.length) {
      const grown = new Uint32Array(this.ops.length * 2);
      grown.set(this.ops);
      this.ops = grown;
    }
    const base = this.opCount * OP_WORDS;
    this.ops[base + OP_HEAD] = kind | ((crosses ? 1 : 0) << HEAD_CROSS_SHIFT) | (offset << HEAD_OFFSET_SHIFT);
    this.ops[base + OP_PAGE0] = page0;
    this.ops[base + OP_PAGE1] = page1;
    this.opCount++;
  }
}

/** Parses a whole lackey text at once. */
export function parseLackey(text: string, opts: LackeyOptions): LackeyProgram {
  const parser = new LackeyParser(opts);
  parser.feed(text);
  return parser.end();
}
