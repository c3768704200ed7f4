// The RESP front end over real loopback sockets, with the real kvserver guest stepped on
// this thread: ordering under output commit, partial reads, and every bound.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { UntrackedMemory } from '../../../src/vm/access.js';
import { CTRL_GLOBAL_WORDS, CTRL_REQ, REQ_STOP } from '../../../src/vm/layout.js';
import { allocateVm, attachVm } from '../../../src/vm/vm-buffers.js';
import { KvFrontend, type FrontendLimits } from '../../../src/service/kv-frontend.js';
import { runKvClient } from '../../../src/service/kv-client.js';
import { encodeCommand } from '../../../src/service/resp.js';
import { RING_SLOTS, allocateNetDevice, deviceIo, ringFill } from '../../../src/guest/net-device.js';
import { kvserver } from '../../../src/guest/workloads/kvserver.js';
import { workloadParams } from '../../../src/guest/workloads/params.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

/** Resolves once cond() holds, checked on each turn of the event loop (no fixed sleeps). */
async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

/** A front end, and a guest that serves its ring while `running` (replies in epoch `epoch`). */
async function server(outputCommit: boolean, limits: Partial<FrontendLimits> = {}) {
  const ringBuf = allocateNetDevice();
  const ring = new Int32Array(ringBuf);
  const fe = new KvFrontend(ring, outputCommit, limits);
  const bound = await fe.listen('--serve', { kind: 'tcp', host: '127.0.0.1', port: 0 });
  const vm = attachVm(allocateVm(64, 1));
  const mem = new UntrackedMemory(vm);
  const ctrl = new Int32Array(CTRL_GLOBAL_WORDS);
  ctrl[CTRL_REQ] = REQ_STOP; // empty polls return at once
  const state = { running: true, epoch: 1, served: 0 };
  const params = { ...workloadParams(0, 1, 64, 1, {}), io: deviceIo(ring, ctrl, () => state.epoch, (e, c, t) => { state.served++; fe.output(e, c, t); }) };
  const regs = new Float64Array(8);
  kvserver.init(mem, regs, params);
  const timer = setInterval(() => { if (state.running) kvserver.step(mem, regs, 256, params); }, 0);
  cleanups.push(() => { clearInterval(timer); fe.close(); });
  const port = (bound as { port: number }).port;
  /** Forget every key: what a backup missing acked writes looks like to a client. */
  const wipe = () => vm.ram8.fill(0);
  return { fe, ring, state, port, wipe };
}

interface TestClient { socket: Socket; got: () => string; ended: Promise<void> }
function client(port: number): Promise<TestClient> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (d) => (data += d.toString('latin1')));
    const ended = new Promise<void>((r) => socket.on('close', () => r()));
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, got: () => data, ended }));
    socket.once('error', reject);
    cleanups.push(() => socket.destroy());
  });
}

describe('kv front end', () => {
  it('holds guest replies until their epoch is acked, and its own replies behind them, in order', async () => {
    const { fe, state, port } = await server(true);
    const c = await client(port);
    c.socket.write(Buffer.concat([encodeCommand(['SET', 'a', '1']), encodeCommand(['PING']), encodeCommand(['GET', 'a']), encodeCommand(['NOPE'])]));
    await until(() => state.served === 2, 'the guest to serve SET and GET');
    await new Promise((r) => setImmediate(r));
    expect(c.got()).toBe(''); // nothing leaves before epoch 1 is acked, not even PONG
    fe.ack(1);
    const want = "+OK\r\n+PONG\r\n$1\r\n1\r\n-ERR unknown command 'NOPE', with args beginning with: \r\n";
    await until(() => c.got().length >= want.length, 'the replies');
    expect(c.got()).toBe(want);
  });

  it('reads requests split at every byte, inline and multibulk mixed', async () => {
    const { port } = await server(false);
    const c = await client(port);
    const bytes = Buffer.concat([Buffer.from('SET "k 1" v\r\n'), encodeCommand(['GET', 'k 1']), Buffer.from('EXISTS "k 1" x\n'), encodeCommand(['DEL', 'k 1'])]);
    for (let i = 0; i < bytes.length; i++) {
      c.socket.write(bytes.subarray(i, i + 1));
      await new Promise((r) => setImmediate(r));
    }
    const want = '+OK\r\n$1\r\nv\r\n:1\r\n:1\r\n';
    await until(() => c.got().length >= want.length, 'the replies');
    expect(c.got()).toBe(want);
  });

  it('a request beyond 4 KiB gets a protocol error and the connection closes; no more is read', async () => {
    const { port, state } = await server(false);
    const c = await client(port);
    c.socket.write(Buffer.concat([encodeCommand(['SET', 'a', 'v'.repeat(5000)]), encodeCommand(['SET', 'b', '1'])]));
    await c.ended;
    expect(c.got()).toBe('-ERR Protocol error: too big request (more than 4096 bytes)\r\n');
    expect(state.served).toBe(0);
  });

  it('a line without newline is not buffered past 4 KiB', async () => {
    const { port } = await server(false);
    const c = await client(port);
    c.socket.write(Buffer.alloc(1 << 20, 0x61));
    await c.ended;
    expect(c.got()).toBe('-ERR Protocol error: too big inline request\r\n');
  });

  it('--max-clients: one more connection is told so and closed; a freed slot is taken again', async () => {
    const { port, fe } = await server(false, { maxClients: 2 });
    const [a, b] = [await client(port), await client(port)];
    await until(() => fe.connections === 2, 'two clients');
    const third = await client(port);
    await third.ended;
    expect(third.got()).toBe('-ERR max number of clients reached\r\n');
    a.socket.destroy();
    await until(() => fe.connections === 1, 'a slot to free');
    const fourth = await client(port);
    fourth.socket.write(encodeCommand(['PING']));
    await until(() => fourth.got() === '+PONG\r\n', 'PONG');
    b.socket.write(encodeCommand(['PING']));
    await until(() => b.got() === '+PONG\r\n', 'PONG on b');
  });

  it('a client that does not read is paused, then dropped; others are served', async () => {
    const { port, fe } = await server(false, { stalledClientMs: 300 });
    const slow = await client(port);
    const fast = await client(port);
    slow.socket.pause(); // reads nothing: its replies back up through the kernel buffers
    slow.socket.write(encodeCommand(['SET', 'big', 'x'.repeat(176)]));
    const gets = Buffer.concat(Array.from({ length: 2000 }, () => encodeCommand(['GET', 'big'])));
    const writeMore = () => { if (!slow.socket.destroyed) slow.socket.write(gets, () => setImmediate(writeMore)); };
    writeMore();
    await slow.ended;
    expect(fe.dropped).toBe(1);
    fast.socket.write(encodeCommand(['GET', 'big']));
    await until(() => fast.got().length >= 183, 'fast client served');
    expect(fast.got()).toBe(`$176\r\n${'x'.repeat(176)}\r\n`);
  }, 30_000);

  it('a full ring makes requests wait, not fail: all are served in order once the guest drains', async () => {
    const { port, state, ring } = await server(false);
    state.running = false;
    const c = await client(port);
    const n = RING_SLOTS + 500;
    c.socket.write(Buffer.concat(Array.from({ length: n }, () => encodeCommand(['INCR', 'n']))));
    await until(() => ringFill(ring) === RING_SLOTS, 'the ring to fill');
    state.running = true;
    const want = Array.from({ length: n }, (_, i) => `:${i + 1}\r\n`).join('');
    await until(() => c.got().length >= want.length, 'all replies');
    expect(c.got()).toBe(want);
  });
});

describe('kv front end: a client pipelining faster than it is answered', () => {
  it('is parsed only up to maxPendingReplies ahead; the rest waits, then is served in order', async () => {
    const { port, state, ring, fe } = await server(false, { maxPendingReplies: 100 });
    state.running = false;
    const c = await client(port);
    const n = 3000;
    c.socket.write(Buffer.concat(Array.from({ length: n }, () => encodeCommand(['INCR', 'n']))));
    await until(() => ringFill(ring) === 100, '100 requests in the ring');
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(ringFill(ring)).toBe(100); // not the ring's 1024: parsing stopped at the bound
    expect(fe.connections).toBe(1);
    state.running = true;
    const want = Array.from({ length: n }, (_, i) => `:${i + 1}\r\n`).join('');
    await until(() => c.got().length >= want.length, 'all replies');
    expect(c.got()).toBe(want);
  });
});

describe('hbft client kv over RESP', () => {
  const opts = (port: number) => ({
    addrs: [{ kind: 'tcp', host: '127.0.0.1', port }] as const, keys: 64, concurrency: 4, requestTimeoutMs: 2000, giveUpMs: 2000,
  });

  it('SETs and GETs with every acknowledged write read back', async () => {
    const { port } = await server(false);
    const r = await runKvClient({ ...opts(port), durationMs: 300 });
    expect(r.writesAcked).toBeGreaterThan(50);
    expect(r.reads).toBeGreaterThan(50);
    expect(r.writesLost).toBe(0);
  });

  it('counts acknowledged writes the server no longer has', async () => {
    const { port, wipe } = await server(false);
    // Mid-run: after 200 acked writes, the server forgets them all.
    const r = await runKvClient({ ...opts(port), durationMs: 600, progress: (l) => { if (l === 'acked 200 writes') wipe(); } });
    expect(r.writesLost).toBeGreaterThan(0);
    expect(r.lost[0]!.read).toBe('NONE');
  });
});
