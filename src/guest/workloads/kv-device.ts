// The kvserver's commands as its network device carries them: op codes, the key and value
// limits, and the layout of one request entry. Shared by the device ring (src/run), the
// front end that fills it (src/net) and the guest that serves it.

/** Longest key and value, in bytes; longer ones are refused by the front end. */
export const KV_KEY_MAX = 64;
export const KV_VALUE_MAX = 176;

export const OP_GET = 1;
export const OP_SET = 2;
export const OP_DEL = 3;
export const OP_EXISTS = 4;
export const OP_INCR = 5;
export type KvOp = typeof OP_GET | typeof OP_SET | typeof OP_DEL | typeof OP_EXISTS | typeof OP_INCR;

// One request entry, in Int32 words: connection, op, key length, value length, then the
// key and value bytes (little-endian within words, unused bytes of the last word zero).
export const REQ_CONN = 0;
export const REQ_OP = 1;
export const REQ_KEY_LEN = 2;
export const REQ_VALUE_LEN = 3;
export const REQ_KEY = 4;
export const REQ_VALUE = REQ_KEY + KV_KEY_MAX / 4;
export const REQUEST_WORDS = REQ_VALUE + KV_VALUE_MAX / 4;
