import { regionChecksum } from './checksum.js';
import { defineWorkload, type GuestMemory, type WorkloadParams } from './define.js';
import {
  KV_KEY_MAX, KV_VALUE_MAX, OP_DEL, OP_EXISTS, OP_GET, OP_INCR, OP_SET,
  REQ_CONN, REQ_KEY, REQ_KEY_LEN, REQ_OP, REQ_VALUE, REQ_VALUE_LEN, REQUEST_WORDS,
} from './kv-device.js';
import { fnvWord } from './rng.js';

// A key-value service: vCPU 0 takes GET/SET/DEL/EXISTS/INCR requests from the network
// device and runs them against an open-addressing table in guest RAM, so every effect of
// a request is checkpointed guest state. Replies are RESP2 (the front end parsed the
// request; the guest answers in the wire form). One operation is one poll of the
// device: a request served, or up to ~1 ms idle.
//
// A slot is 256 bytes: tag (0 empty, 1 deleted, key length + 2 live), key hash, value
// length, a spare word, then the key and value bytes as the device delivered them.
const SLOT_BYTES = 256;
const S_TAG = 0;
const S_HASH = 4;
const S_VALUE_LEN = 8;
const S_KEY = 16;
const S_VALUE = S_KEY + KV_KEY_MAX;
const TAG_EMPTY = 0;
const TAG_DELETED = 1;
const TAG_LIVE = 2;
const R_SERVED = 0;
const R_SETS = 1;

const OOM = '-OOM command not allowed when used memory > \'maxmemory\'.\r\n';
const NOT_INTEGER = '-ERR value is not an integer or out of range\r\n';
const OVERFLOW = '-ERR increment or decrement would overflow\r\n';
const INT64_MAX = 2n ** 63n - 1n;

function capacity(p: WorkloadParams): number {
  return 2 ** Math.floor(Math.log2(p.regionBytes / SLOT_BYTES));
}

const request = new Int32Array(REQUEST_WORDS);
const words = (bytes: number) => (bytes + 3) >>> 2;

function keyHash(keyLen: number): number {
  let h = fnvWord(0x811c9dc5, keyLen);
  for (let w = 0; w < words(keyLen); w++) h = fnvWord(h, request[REQ_KEY + w]!);
  return h | 0;
}

// find()'s answer, kept in module state so the hot path allocates nothing.
let foundAt = -1;
let freeAt = -1;

/** Linear probing from the key's hash; words are compared with xor (signedness aside). */
function find(mem: GuestMemory, base: number, mask: number, hash: number, keyLen: number): void {
  foundAt = -1;
  freeAt = -1;
  let slot = hash & mask;
  for (let probes = 0; probes <= mask; probes++, slot = (slot + 1) & mask) {
    const addr = base + slot * SLOT_BYTES;
    const tag = mem.load32(addr + S_TAG);
    if (tag === TAG_EMPTY) {
      if (freeAt < 0) freeAt = addr;
      return;
    }
    if (tag === TAG_DELETED) {
      if (freeAt < 0) freeAt = addr;
      continue;
    }
    if (tag !== keyLen + TAG_LIVE || (mem.load32(addr + S_HASH) ^ hash) !== 0) continue;
    let same = true;
    for (let w = 0; w < words(keyLen) && same; w++) same = (mem.load32(addr + S_KEY + 4 * w) ^ request[REQ_KEY + w]!) === 0;
    if (same) {
      foundAt = addr;
      return;
    }
  }
}

function claim(mem: GuestMemory, addr: number, hash: number, keyLen: number): void {
  mem.store32(addr + S_TAG, keyLen + TAG_LIVE);
  mem.store32(addr + S_HASH, hash);
  for (let w = 0; w < words(keyLen); w++) mem.store32(addr + S_KEY + 4 * w, request[REQ_KEY + w]!);
}

/** The value's bytes as a latin1 string (words hold bytes little-endian, as the device wrote them). */
function readValue(mem: GuestMemory, addr: number): string {
  const len = mem.load32(addr + S_VALUE_LEN);
  const codes: number[] = [];
  for (let i = 0; i < len; i++) codes.push((mem.load32(addr + S_VALUE + (i & ~3)) >>> (8 * (i & 3))) & 0xff);
  return String.fromCharCode(...codes);
}

function writeValue(mem: GuestMemory, addr: number, text: string): void {
  for (let w = 0; w < words(text.length); w++) {
    let word = 0;
    for (let b = 0; b < 4 && 4 * w + b < text.length; b++) word |= text.charCodeAt(4 * w + b) << (8 * b);
    mem.store32(addr + S_VALUE + 4 * w, word);
  }
  mem.store32(addr + S_VALUE_LEN, text.length);
}

/** INCR: Redis's rule for an integer value (string2ll: no sign but '-', no leading zero). */
function incr(mem: GuestMemory, hash: number, keyLen: number): string {
  let n = 1n;
  if (foundAt >= 0) {
    const text = readValue(mem, foundAt);
    if (!/^(0|-?[1-9][0-9]{0,18})$/.test(text) || BigInt(text) > INT64_MAX || BigInt(text) < -INT64_MAX - 1n) return NOT_INTEGER;
    if (BigInt(text) === INT64_MAX) return OVERFLOW;
    n = BigInt(text) + 1n;
  } else if (freeAt < 0) return OOM;
  const addr = foundAt >= 0 ? foundAt : freeAt;
  if (foundAt < 0) claim(mem, addr, hash, keyLen);
  writeValue(mem, addr, n.toString());
  return `:${n}\r\n`;
}

function serve(mem: GuestMemory, regs: Float64Array, base: number, mask: number): string {
  const op = request[REQ_OP]!;
  const keyLen = Math.min(request[REQ_KEY_LEN]!, KV_KEY_MAX); // the front end checked it; a bad entry must not overrun
  const hash = keyHash(keyLen);
  find(mem, base, mask, hash, keyLen);
  switch (op) {
    case OP_GET: {
      if (foundAt < 0) return '$-1\r\n';
      const value = readValue(mem, foundAt);
      return `$${value.length}\r\n${value}\r\n`;
    }
    case OP_SET: {
      const addr = foundAt >= 0 ? foundAt : freeAt;
      if (addr < 0) return OOM;
      if (foundAt < 0) claim(mem, addr, hash, keyLen);
      const valueLen = Math.min(request[REQ_VALUE_LEN]!, KV_VALUE_MAX);
      for (let w = 0; w < words(valueLen); w++) mem.store32(addr + S_VALUE + 4 * w, request[REQ_VALUE + w]!);
      mem.store32(addr + S_VALUE_LEN, valueLen);
      regs[R_SETS]++;
      return '+OK\r\n';
    }
    case OP_DEL:
      if (foundAt >= 0) mem.store32(foundAt + S_TAG, TAG_DELETED);
      return foundAt >= 0 ? ':1\r\n' : ':0\r\n';
    case OP_EXISTS:
      return foundAt >= 0 ? ':1\r\n' : ':0\r\n';
    case OP_INCR:
      return incr(mem, hash, keyLen);
    default:
      return `-ERR unknown device op ${op}\r\n`;
  }
}

export const kvserver = defineWorkload({
  name: 'kvserver',
  op: 'one poll of the network device (a command served, or ~1 ms idle)',
  init(_mem, regs) {
    regs[R_SERVED] = 0;
    regs[R_SETS] = 0;
  },
  step(mem, regs, budget, p) {
    const io = p.io;
    if (io === undefined || p.vcpu !== 0) return budget; // no device: an idle guest
    const mask = capacity(p) - 1;
    for (let i = 0; i < budget; i++) {
      if (!io.poll(request)) continue;
      io.reply(request[REQ_CONN]!, serve(mem, regs, p.regionBase, mask));
      regs[R_SERVED]++;
    }
    return budget;
  },
  result(mem, regs, p) {
    return regionChecksum(mem, p.regionBase, capacity(p) * SLOT_BYTES, fnvWord(regs[R_SERVED]!, regs[R_SETS]!));
  },
});
