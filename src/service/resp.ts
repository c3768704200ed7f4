// RESP2, the Redis protocol, as far as kvserver and its client need it: requests are
// multibulk arrays of bulk strings or inline lines (parsed the way Redis's
// processMultibulkBuffer / processInlineBuffer and sdssplitargs do), replies are the five
// RESP2 types. Pure functions over Buffers: no sockets, no state between calls.

import { HbftError } from '../base/errors.js';

const CR = 0x0d;
const LF = 0x0a;

/** A request parsed from the head of a buffer. `bytes` is how much of it was consumed. */
export type ParsedRequest =
  | { readonly kind: 'command'; readonly args: Buffer[]; readonly bytes: number }
  /** An empty inline line or a `*0` / `*-1` array: consumed, nothing to run (as Redis). */
  | { readonly kind: 'empty'; readonly bytes: number }
  /** More bytes needed; nothing consumed. */
  | { readonly kind: 'incomplete' }
  /** The connection is unusable from here: reply the message as an error and close. */
  | { readonly kind: 'protocol-error'; readonly message: string };

/** A RESP2 reply value. */
export type RespReply =
  | { readonly type: 'simple'; readonly text: string }
  | { readonly type: 'error'; readonly text: string }
  | { readonly type: 'integer'; readonly value: bigint }
  | { readonly type: 'bulk'; readonly bytes: Buffer | null }
  | { readonly type: 'array'; readonly items: RespReply[] | null };

/** A reply that breaks RESP2: the peer is not a Redis-protocol server. */
export class RespError extends HbftError {
  constructor(message: string) {
    super('RESP_PROTOCOL', message);
  }
}

/** Redis's string2ll: an optional '-', then digits without a leading zero; int64 range. */
export function parseStrictInt(s: string): bigint | null {
  if (!/^(0|-?[1-9][0-9]{0,18})$/.test(s)) return null;
  const v = BigInt(s);
  return v >= -(2n ** 63n) && v < 2n ** 63n ? v : null;
}

function protocolError(message: string): ParsedRequest {
  return { kind: 'protocol-error', message: `Protocol error: ${message}` };
}

/**
 * Parse one request from `buf` at `start`. A request may take at most `maxBytes` bytes:
 * beyond that, a protocol error as soon as the buffered or declared length shows it, so
 * an oversized request is never buffered whole.
 */
export function parseRequest(buf: Buffer, start: number, maxBytes: number): ParsedRequest {
  if (start >= buf.length) return { kind: 'incomplete' };
  return buf[start] === 0x2a /* '*' */ ? parseMultibulk(buf, start, maxBytes) : parseInline(buf, start, maxBytes);
}

/** The integer on the line at `at` (just after its type byte), or why not. */
function readIntLine(buf: Buffer, at: number, end: number): { value: bigint | null; next: number } | null {
  const cr = buf.indexOf(CR, at);
  if (cr < 0 || cr + 1 >= end) return null; // the line, with its \n, is not all here
  const value = buf[cr + 1] === LF ? parseStrictInt(buf.toString('latin1', at, cr)) : null;
  return { value, next: cr + 2 };
}

function parseMultibulk(buf: Buffer, start: number, maxBytes: number): ParsedRequest {
  const end = Math.min(buf.length, start + maxBytes);
  const tooBig = protocolError(`too big request (more than ${maxBytes} bytes)`);
  const count = readIntLine(buf, start + 1, end);
  if (count === null) return buf.length - start >= maxBytes ? tooBig : { kind: 'incomplete' };
  if (count.value === null || count.value > BigInt(maxBytes)) return protocolError('invalid multibulk length');
  if (count.value <= 0n) return { kind: 'empty', bytes: count.next - start };
  const args: Buffer[] = [];
  let at = count.next;
  for (let i = 0; i < Number(count.value); i++) {
    if (at >= buf.length) return at - start >= maxBytes ? tooBig : { kind: 'incomplete' };
    if (buf[at] !== 0x24 /* '$' */) return protocolError(`expected '$', got '${String.fromCharCode(buf[at]!)}'`);
    const len = readIntLine(buf, at + 1, end);
    if (len === null) return buf.length - start >= maxBytes ? tooBig : { kind: 'incomplete' };
    if (len.value === null || len.value < 0n) return protocolError('invalid bulk length');
    const dataEnd = len.next + Number(len.value);
    if (dataEnd + 2 - start > maxBytes) return tooBig; // declared: refuse before buffering it
    if (dataEnd + 2 > buf.length) return { kind: 'incomplete' };
    if (buf[dataEnd] !== CR || buf[dataEnd + 1] !== LF) return protocolError("expected '\\r\\n' after bulk data");
    args.push(Buffer.from(buf.subarray(len.next, dataEnd)));
    at = dataEnd + 2;
  }
  return { kind: 'command', args, bytes: at - start };
}

function parseInline(buf: Buffer, start: number, maxBytes: number): ParsedRequest {
  const lf = buf.indexOf(LF, start);
  if (lf < 0 || lf + 1 - start > maxBytes) {
    return buf.length - start >= maxBytes || lf >= 0 ? protocolError('too big inline request') : { kind: 'incomplete' };
  }
  const lineEnd = lf > start && buf[lf - 1] === CR ? lf - 1 : lf;
  const args = splitArgs(buf.subarray(start, lineEnd));
  if (args === null) return protocolError('unbalanced quotes in request');
  return args.length === 0 ? { kind: 'empty', bytes: lf + 1 - start } : { kind: 'command', args, bytes: lf + 1 - start };
}

const isSpace = (c: number | undefined) => c === 0x20 || c === 0x09 || c === LF || c === CR || c === 0x0b || c === 0x0c;
const hexValue = (c: number) => (c >= 0x30 && c <= 0x39 ? c - 0x30 : (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 ? (c | 0x20) - 0x57 : -1);
const ESCAPES: Record<number, number> = { 0x6e: LF, 0x72: CR, 0x74: 0x09, 0x62: 0x08, 0x61: 0x07 };

/**
 * Redis's sdssplitargs: words split on white space; "double quotes" take \xHH and \n \r
 * \t \b \a escapes, 'single quotes' take \'; a closing quote must end its word. Null for
 * unbalanced quotes.
 */
export function splitArgs(line: Buffer): Buffer[] | null {
  const args: Buffer[] = [];
  let i = 0;
  for (;;) {
    while (i < line.length && isSpace(line[i])) i++;
    if (i >= line.length) return args;
    const word: number[] = [];
    let quote: 0 | 0x22 | 0x27 = 0;
    for (;;) {
      const c = line[i];
      if (quote === 0x22) {
        if (c === undefined) return null;
        if (c === 0x5c && line[i + 1] === 0x78 && i + 3 < line.length && hexValue(line[i + 2]!) >= 0 && hexValue(line[i + 3]!) >= 0) {
          word.push(hexValue(line[i + 2]!) * 16 + hexValue(line[i + 3]!));
          i += 4;
          continue;
        }
        if (c === 0x5c && i + 1 < line.length) {
          word.push(ESCAPES[line[i + 1]!] ?? line[i + 1]!);
          i += 2;
          continue;
        }
        if (c === 0x22) {
          if (i + 1 < line.length && !isSpace(line[i + 1])) return null; // closing quote must end the word
          i++;
          break;
        }
        word.push(c);
        i++;
      } else if (quote === 0x27) {
        if (c === undefined) return null;
        if (c === 0x5c && line[i + 1] === 0x27) {
          word.push(0x27);
          i += 2;
          continue;
        }
        if (c === 0x27) {
          if (i + 1 < line.length && !isSpace(line[i + 1])) return null;
          i++;
          break;
        }
        word.push(c);
        i++;
      } else {
        if (c === undefined || isSpace(c)) break;
        if (c === 0x22 || c === 0x27) quote = c;
        else word.push(c);
        i++;
      }
    }
    args.push(Buffer.from(word));
  }
}

// ---- replies, server side ----

export const encodeSimple = (text: string): Buffer => Buffer.from(`+${text}\r\n`, 'latin1');
/** `text` is the whole message, code first ("ERR ...", "OOM ..."); newlines become spaces as in Redis. */
export const encodeError = (text: string): Buffer => Buffer.from(`-${text.replace(/[\r\n]/g, ' ')}\r\n`, 'latin1');
export const encodeInteger = (n: bigint | number): Buffer => Buffer.from(`:${n}\r\n`, 'latin1');
export function encodeBulk(bytes: Buffer | null): Buffer {
  if (bytes === null) return Buffer.from('$-1\r\n', 'latin1');
  return Buffer.concat([Buffer.from(`$${bytes.length}\r\n`, 'latin1'), bytes, Buffer.from('\r\n', 'latin1')]);
}

// ---- requests and replies, client side ----

/** A request as a multibulk array of bulk strings (what redis-cli sends). */
export function encodeCommand(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`, 'latin1')];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a, 'utf8') : a;
    parts.push(Buffer.from(`$${b.length}\r\n`, 'latin1'), b, Buffer.from('\r\n', 'latin1'));
  }
  return Buffer.concat(parts);
}

/** One reply from `buf` at `start`: the value and where the next begins, or null when incomplete. */
export function parseReply(buf: Buffer, start: number): { value: RespReply; next: number } | null {
  if (start >= buf.length) return null;
  const type = buf[start]!;
  const cr = buf.indexOf(CR, start + 1);
  if (cr < 0 || cr + 1 >= buf.length) return null;
  if (buf[cr + 1] !== LF) throw new RespError(`reply at byte ${start}: line not ended by \\r\\n`);
  const line = buf.toString('latin1', start + 1, cr);
  const next = cr + 2;
  const int = () => {
    const v = parseStrictInt(line);
    if (v === null) throw new RespError(`reply at byte ${start}: bad integer ${JSON.stringify(line)}`);
    return v;
  };
  switch (type) {
    case 0x2b: return { value: { type: 'simple', text: line }, next };
    case 0x2d: return { value: { type: 'error', text: line }, next };
    case 0x3a: return { value: { type: 'integer', value: int() }, next };
    case 0x24: {
      const len = int();
      if (len < 0n) return { value: { type: 'bulk', bytes: null }, next };
      const end = next + Number(len);
      if (end + 2 > buf.length) return null;
      if (buf[end] !== CR || buf[end + 1] !== LF) throw new RespError(`reply at byte ${start}: bulk not ended by \\r\\n`);
      return { value: { type: 'bulk', bytes: Buffer.from(buf.subarray(next, end)) }, next: end + 2 };
    }
    case 0x2a: {
      const n = int();
      if (n < 0n) return { value: { type: 'array', items: null }, next };
      const items: RespReply[] = [];
      let at = next;
      for (let i = 0n; i < n; i++) {
        const item = parseReply(buf, at);
        if (item === null) return null;
        items.push(item.value);
        at = item.next;
      }
      return { value: { type: 'array', items }, next: at };
    }
    default:
      throw new RespError(`reply at byte ${start}: unknown type byte 0x${type.toString(16)}`);
  }
}
