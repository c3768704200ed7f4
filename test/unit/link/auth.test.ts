// The --auth-key handshake over real loopback sockets.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAuthKey } from '../../../src/cli/auth-key.js';
import { authenticatePrimary, authenticateToBackup, isLocalOnly } from '../../../src/link/auth.js';

function pair(): Promise<[Socket, Socket, () => void]> {
  return new Promise((resolve) => {
    const server = createServer((backupSide) => resolve([backupSide, client, () => server.close()]));
    let client: Socket;
    server.listen(0, '127.0.0.1', () => (client = connect((server.address() as { port: number }).port, '127.0.0.1')));
  });
}

const KEY = Buffer.from('0123456789abcdef0123456789abcdef');

describe('auth handshake', () => {
  it('same key: both sides succeed, and bytes sent after it reach the next reader', async () => {
    const [b, p, close] = await pair();
    const backup = authenticatePrimary(b, KEY, 2000);
    await authenticateToBackup(p, KEY, 2000);
    await backup;
    const got = new Promise<string>((r) => b.once('data', (d: Buffer) => r(d.toString())));
    b.resume();
    p.write('stream');
    expect(await got).toBe('stream');
    b.destroy(); p.destroy(); close();
  });

  it('wrong key: the backup refuses before reading any stream byte; the primary learns it', async () => {
    const [b, p, close] = await pair();
    const backup = authenticatePrimary(b, KEY, 2000);
    const primary = authenticateToBackup(p, Buffer.from('another key of 32 bytes........!'), 2000);
    await expect(backup).rejects.toThrow(/does not hold the key/);
    b.destroy();
    await expect(primary).rejects.toThrow(/auth accept/);
    p.destroy(); close();
  });

  it('a peer that sends a stream instead of a response is refused; a silent one times out', async () => {
    const [b, p, close] = await pair();
    const backup = authenticatePrimary(b, KEY, 300);
    p.write(Buffer.alloc(68, 0xff));
    await expect(backup).rejects.toThrow(/not an hbft auth message/);
    const [b2, p2] = await pair();
    await expect(authenticatePrimary(b2, KEY, 100)).rejects.toThrow(/0 of 68 bytes within 100 ms/);
    for (const s of [b, p, b2, p2]) s.destroy();
    close();
  });
});

describe('key file and listen addresses', () => {
  it('key files: a trailing newline dropped, short or missing files are ConfigErrors', () => {
    const d = mkdtempSync(join(tmpdir(), 'hbft-key-'));
    writeFileSync(join(d, 'k'), 'sixteen-bytes-ok\n');
    expect(readAuthKey('--auth-key', join(d, 'k')).toString()).toBe('sixteen-bytes-ok');
    writeFileSync(join(d, 's'), 'short\n');
    expect(() => readAuthKey('--auth-key', join(d, 's'))).toThrow(/^--auth-key: .* holds 5 bytes; a key needs at least 16/);
    expect(() => readAuthKey('--auth-key', join(d, 'none'))).toThrow(/^--auth-key: cannot read .*ENOENT/);
    rmSync(d, { recursive: true });
  });
  it('loopback and unix only', () => {
    expect(isLocalOnly({ kind: 'unix' })).toBe(true);
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) expect(isLocalOnly({ kind: 'tcp', host: h })).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', 'example.com']) expect(isLocalOnly({ kind: 'tcp', host: h })).toBe(false);
  });
});
