// Reads a lackey trace file (plain or .gz) into a replay program, once per path per
// thread: every vCPU thread parses its own copy, and init/step only look it up.

import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { constants, gunzipSync } from 'node:zlib';
import { LackeyParser, OP_IFETCH, opKind, TraceFormatError, type LackeyProgram } from './lackey.js';

const GZIP_SUFFIX = '.gz';
// Decode in slices so a large trace never becomes one huge string.
const DECODE_CHUNK_BYTES = 1 << 20;

// The head read to tell a lackey trace from another file before any thread starts: lackey
// prints a short banner, then accesses, so real traces show access lines in the first KiB.
const SNIFF_BYTES = 1 << 20;

const programs = new Map<string, LackeyProgram>();
let parses = 0;

function cacheKey(path: string, ifetch: boolean): string {
  return `${resolve(path)}\0${ifetch ? 'ifetch' : 'data'}`;
}

/** Parses the file at path, without caching. */
export function readLackeyFile(path: string, ifetch: boolean): LackeyProgram {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (err) {
    throw new Error(`trace ${path}: cannot read: ${(err as Error).message}`, { cause: err });
  }
  if (path.endsWith(GZIP_SUFFIX)) {
    try {
      raw = gunzipSync(raw);
    } catch (err) {
      throw new Error(`trace ${path}: cannot gunzip: ${(err as Error).message}`, { cause: err });
    }
  }
  const parser = new LackeyParser({ ifetch, source: path });
  const decoder = new TextDecoder('utf-8');
  for (let at = 0; at < raw.length; at += DECODE_CHUNK_BYTES) {
    const end = Math.min(raw.length, at + DECODE_CHUNK_BYTES);
    parser.feed(decoder.decode(raw.subarray(at, end), { stream: end < raw.length }));
  }
  return parser.end();
}

/** The program for path, parsed on first use in this thread and cached after. */
export function loadLackeyFile(path: string, ifetch: boolean): LackeyProgram {
  const key = cacheKey(path, ifetch);
  let program = programs.get(key);
  if (program === undefined) {
    program = readLackeyFile(path, ifetch);
    parses++;
    programs.set(key, program);
  }
  return program;
}

/** Files parsed by loadLackeyFile in this thread so far (tests check step never re-parses). */
export function traceParseCount(): number {
  return parses;
}

/**
 * Checks that path looks like lackey output from its first SNIFF_BYTES (decompressed), so
 * that a wrong file fails at start-up with a TraceFormatError instead of replaying 0 ops.
 * A file read whole must also hold an operation the run will replay (I lines need ifetch).
 */
export function sniffLackeyFile(path: string, ifetch: boolean): void {
  const fd = openSync(path, 'r');
  let head: Buffer;
  let whole: boolean;
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const n = readSync(fd, buf, 0, SNIFF_BYTES, 0);
    whole = n < SNIFF_BYTES;
    head = buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
  if (path.endsWith(GZIP_SUFFIX)) {
    try {
      // Sync flush: decode what a partial gzip member holds instead of failing at its cut end.
      head = gunzipSync(head, { finishFlush: whole ? constants.Z_FINISH : constants.Z_SYNC_FLUSH });
    } catch (err) {
      throw new TraceFormatError(`trace ${path}: not gzip data (${(err as Error).message})`, { cause: err });
    }
  }
  let text = new TextDecoder('utf-8').decode(head);
  // A cut last line would be misread: look at whole lines only.
  if (!whole) text = text.slice(0, text.lastIndexOf('\n') + 1);
  const parser = new LackeyParser({ ifetch: true, source: path });
  parser.feed(text);
  const program = parser.end();
  const where = whole ? 'in the file' : `in its first ${SNIFF_BYTES >> 20} MiB`;
  if (program.opCount === 0) throw new TraceFormatError(`trace ${path}: not valgrind lackey output (no I, L, S or M access line ${where})`);
  if (!whole || ifetch) return;
  for (let op = 0; op < program.opCount; op++) if (opKind(program.ops, op) !== OP_IFETCH) return;
  throw new TraceFormatError(`trace ${path}: only instruction fetches (I lines); add --ifetch to replay them`);
}
