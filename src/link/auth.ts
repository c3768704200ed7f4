// --auth-key: before the backup reads one stream record, the primary proves it holds
// the shared key, and the backup proves it back (docs/failover.md). Each side sends a
// fresh 32-byte nonce; the other answers HMAC-SHA256(key, label || nonce). The labels
// differ per direction so one side's answer cannot be replayed as the other's.
//   backup  -> primary  CHALLENGE  "HBCH" nonceB
//   primary -> backup   RESPONSE   "HBRS" mac("hbft-auth primary", nonceB) nonceP
//   backup  -> primary  ACCEPT     "HBOK" mac("hbft-auth backup", nonceP)
// This authenticates the peer at connect time; it does not encrypt or sign the records
// that follow (use a private network or a tunnel for that).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import { HbftError } from '../base/errors.js';

const NONCE = 32;
const MAC = 32;
const MAGIC_CHALLENGE = 0x48434248; // "HBCH" little-endian
const MAGIC_RESPONSE = 0x53524248; // "HBRS"
const MAGIC_ACCEPT = 0x4b4f4248; // "HBOK"
export const CHALLENGE_SIZE = 4 + NONCE;
export const RESPONSE_SIZE = 4 + MAC + NONCE;
export const ACCEPT_SIZE = 4 + MAC;
export const MIN_KEY_BYTES = 16;

/** A peer that failed the key challenge, or broke its framing. */
export class AuthError extends HbftError {
  constructor(message: string) {
    super('AUTH', message);
  }
}

export function mac(key: Buffer, label: 'primary' | 'backup', nonce: Uint8Array): Buffer {
  return createHmac('sha256', key).update(`hbft-auth ${label}`).update(nonce).digest();
}

function frame(magic: number, ...parts: Uint8Array[]): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(magic, 0);
  return Buffer.concat([head, ...parts]);
}

/**
 * Exactly `n` bytes from the socket, then the socket is left paused with anything
 * beyond them unshifted: the next reader attaches its listeners and calls resume().
 */
export function readExactly(socket: Socket, n: number, timeoutMs: number, what: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let have = 0;
    const done = (err: Error | null, value?: Buffer) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onError);
      if (err !== null) reject(err);
      else resolve(value!);
    };
    const onData = (chunk: Buffer) => {
      parts.push(chunk);
      have += chunk.length;
      if (have < n) return;
      socket.pause();
      const all = Buffer.concat(parts);
      if (all.length > n) socket.unshift(all.subarray(n));
      done(null, all.subarray(0, n));
    };
    const onClose = () => done(new AuthError(`${what}: connection closed after ${have} of ${n} bytes`));
    const onError = (e: Error) => done(new AuthError(`${what}: ${e.message}`));
    const timer = setTimeout(() => done(new AuthError(`${what}: ${have} of ${n} bytes within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', onError);
    socket.resume();
  });
}

function expectMagic(b: Buffer, magic: number, what: string): void {
  if (b.readUInt32LE(0) !== magic) throw new AuthError(`${what}: not an hbft auth message (magic 0x${b.readUInt32LE(0).toString(16)})`);
}

/** Backup side: resolves once the primary proved the key and got our proof; rejects otherwise. */
export async function authenticatePrimary(socket: Socket, key: Buffer, timeoutMs: number): Promise<void> {
  const nonceB = randomBytes(NONCE);
  socket.write(frame(MAGIC_CHALLENGE, nonceB));
  const r = await readExactly(socket, RESPONSE_SIZE, timeoutMs, 'auth response');
  expectMagic(r, MAGIC_RESPONSE, 'auth response');
  if (!timingSafeEqual(r.subarray(4, 4 + MAC), mac(key, 'primary', nonceB))) throw new AuthError('auth response: the peer does not hold the key');
  socket.write(frame(MAGIC_ACCEPT, mac(key, 'backup', r.subarray(4 + MAC))));
}

/** Primary side: answers the challenge, then checks the backup's proof. */
export async function authenticateToBackup(socket: Socket, key: Buffer, timeoutMs: number): Promise<void> {
  const c = await readExactly(socket, CHALLENGE_SIZE, timeoutMs, 'auth challenge (does the backup have --auth-key?)');
  expectMagic(c, MAGIC_CHALLENGE, 'auth challenge');
  const nonceP = randomBytes(NONCE);
  socket.write(frame(MAGIC_RESPONSE, mac(key, 'primary', c.subarray(4)), nonceP));
  const a = await readExactly(socket, ACCEPT_SIZE, timeoutMs, 'auth accept (the backup refused the key?)');
  expectMagic(a, MAGIC_ACCEPT, 'auth accept');
  if (!timingSafeEqual(a.subarray(4), mac(key, 'backup', nonceP))) throw new AuthError('auth accept: the backup does not hold the key');
}

/** Addresses a backup without --auth-key may listen on: this host only. */
export function isLocalOnly(addr: { kind: 'unix' } | { kind: 'tcp'; host: string }): boolean {
  if (addr.kind === 'unix') return true;
  const h = addr.host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h);
}
