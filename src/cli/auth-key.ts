// --auth-key FILE, read and checked once for `hbft run` and `hbft backup`.
import { readFileSync } from 'node:fs';
import { MIN_KEY_BYTES } from '../link/auth.js';
import { ConfigError } from '../base/errors.js';

/** The key file's bytes, a trailing newline dropped; at least MIN_KEY_BYTES. */
export function readAuthKey(flag: string, path: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ConfigError(flag, `cannot read ${path}: ${(e as Error & { code?: string }).code ?? (e as Error).message}`);
  }
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d)) end--;
  if (end < MIN_KEY_BYTES) throw new ConfigError(flag, `${path} holds ${end} bytes; a key needs at least ${MIN_KEY_BYTES}`);
  return bytes.subarray(0, end);
}
