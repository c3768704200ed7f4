// Reads a lackey trace file (plain or .gz) into a replay program, once per path per
// thread: every vCPU thread parses its own copy, and init/step only look it up.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { LackeyParser, type LackeyProgram } from './lackey.js';

const GZIP_SUFFIX = '.gz';
// Decode in slices so a large trace never becomes one huge string.
const DECODE_CHUNK_BYTES = 1 << 20;

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
