// The trials' partition relay: a blocked direction holds its bytes and its close, the
// other keeps flowing, and heal() delivers what was held, in order.
import { createServer, connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { PartitionProxy } from '../../../src/net/partition-proxy.js';

function collect(s: Socket) {
  const got = { text: '', closed: false };
  s.setEncoding('utf8').on('data', (d: string) => (got.text += d));
  s.on('close', () => (got.closed = true));
  return got;
}
/** Resolves once `cond` holds; the proxy and sockets work on the event loop meanwhile. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setImmediate(r));
  if (!cond()) throw new Error(`never: ${what}`);
}

describe('PartitionProxy', () => {
  it('blocks one direction, data and close, until heal', async () => {
    let backupSide!: Socket;
    const server = createServer((s) => (backupSide = s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const proxy = new PartitionProxy((server.address() as { port: number }).port);
    const port = await proxy.listen();
    const primary = connect(port, '127.0.0.1');
    const atPrimary = collect(primary);
    await until(() => backupSide !== undefined, 'backup accepted');
    const atBackup = collect(backupSide);
    primary.write('a');
    backupSide.write('x');
    await until(() => atBackup.text === 'a' && atPrimary.text === 'x', 'both directions flow');
    proxy.block('to-backup');
    primary.write('b');
    backupSide.write('y');
    await until(() => atPrimary.text === 'xy', 'the open direction flows');
    primary.write('c');
    primary.end();
    // The relay ends its primary side once it has seen the close: by then the close is held.
    await until(() => atPrimary.closed, 'the relay saw the primary close');
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(atBackup).toEqual({ text: 'a', closed: false }); // held: neither bytes nor close passed
    proxy.heal();
    await until(() => atBackup.text === 'abc' && atBackup.closed, 'held bytes, then the close');
    proxy.close();
    server.close();
  });
});
