// A socket link over a real loopback connection to a real backup session: staging
// buffers come back once the kernel holds their bytes, never earlier, so a socket run
// recycles them as an in-process one does.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runSession, type SessionOutcome } from '../../../src/backup/backup-session.js';
import { BackupReceiver } from '../../../src/backup/receiver.js';
import type { GuestRunConfig } from '../../../src/replica/device-state.js';
import type { EpochImage } from '../../../src/epoch/epoch-image.js';
import { StagingPool } from '../../../src/epoch/staging-pool.js';
import { CTX_SLOTS, PAGE_SIZE } from '../../../src/vm/layout.js';
import { SocketLink } from '../../../src/link/socket-link.js';
import { MAX_IN_FLIGHT, StreamEncoding } from '../../../src/link/backup-link.js';

const PAGES = 1024;
const DIRTY = 512; // 2 MiB an epoch: more than a loopback socket takes in one write
const EPOCHS = 12;
const RUN: GuestRunConfig = {
  workload: 'kv', seed: 1, pages: PAGES, vcpus: 1, options: {}, opsPerVcpu: 100, durationMs: null, stepOps: 64, epochMs: null, epochOps: 50,
};
const TIMEOUT_MS = 20_000;

let server: Server | null = null;
afterEach(() => { server?.close(); server = null; });

async function connectedPair(): Promise<{ primary: Socket; session: Promise<SessionOutcome>; receiver: BackupReceiver }> {
  const receiver = new BackupReceiver();
  let session!: Promise<SessionOutcome>;
  const accepted = new Promise<void>((resolve) => {
    server = createServer((s) => {
      session = runSession(s, receiver, { heartbeatMs: TIMEOUT_MS, log: () => {} });
      resolve();
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const port = (server!.address() as { port: number }).port;
  const primary = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => primary.once('connect', resolve).once('error', reject));
  await accepted;
  return { primary, session, receiver };
}

function image(epoch: number, pfns: Uint32Array, pages: Uint8Array, final: boolean): EpochImage {
  return { epoch, guestPages: PAGES, pfns, pages, contexts: [new Float64Array(CTX_SLOTS).fill(epoch)], final };
}

describe('SocketLink staging buffers', () => {
  // Window 1: each epoch is acked before the next is taken, as when the guest runs longer
  // than the link takes to write an epoch. Window MAX_IN_FLIGHT back to back: writes are
  // batched, a buffer comes back when its batch is written (reuse then depends on timing).
  it.each([1, MAX_IN_FLIGHT])('hands each epoch back only after its bytes are written (ack window %i)', async (window) => {
    const { primary, session, receiver } = await connectedPair();
    const link = new SocketLink(primary, new StreamEncoding(false, RUN), null, {
      heartbeatMs: 50, killAfterEpoch: null, finishTimeoutMs: TIMEOUT_MS, backupTimeoutMs: TIMEOUT_MS,
    });
    expect(link.keepsPageViews).toBe(true);

    const returned: ArrayBuffer[] = [];
    const pool = new StagingPool(() => returned.shift());
    let inSend = false;
    let doneInSend = 0;
    const done: number[] = [];
    link.onPagesDone = (img) => {
      if (inSend) doneInSend++;
      done.push(img.epoch);
      // Scribble before reuse: had the link let go early, the backup's checksum would catch it.
      if (img.epoch > 0) {
        new Uint8Array(img.pages.buffer).fill(0xee);
        returned.push(img.pages.buffer as ArrayBuffer);
      }
    };
    const waiters: (() => void)[] = [];
    let lost: string | null = null;
    const wake = () => { for (const w of waiters.splice(0)) w(); };
    link.onAck = wake;
    link.onLost = (reason) => { lost = reason; wake(); };
    const acked = async (n: number) => {
      while (link.stats.ackedEpochs < n) {
        if (lost !== null) throw new Error(`link lost: ${lost}`);
        await new Promise<void>((r) => waiters.push(r));
      }
    };
    const send = (img: EpochImage) => {
      inSend = true;
      link.send(img);
      inSend = false;
    };

    send(image(0, Uint32Array.from({ length: PAGES }, (_, i) => i), new Uint8Array(PAGES * PAGE_SIZE).fill(1), false));
    const pfns = Uint32Array.from({ length: DIRTY }, (_, i) => 2 * i);
    for (let e = 1; e <= EPOCHS; e++) {
      await acked(e - window + 1); // the checkpointer's ack window: at most `window` epochs unacked
      const pages = pool.take(DIRTY * PAGE_SIZE);
      pages.fill(e + 1);
      send(image(e, pfns, pages, e === EPOCHS));
    }
    await link.finish();
    const outcome = await session;

    expect(outcome.end, outcome.detail).toBe('end');
    expect(receiver.committedEpoch).toBe(EPOCHS);
    const ram = receiver.image!.ram;
    expect(ram[2 * PAGE_SIZE]).toBe(EPOCHS + 1); // a dirty page holds the last epoch
    expect(ram[3 * PAGE_SIZE]).toBe(1); // a clean one still holds epoch 0
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: EPOCHS + 1 }, (_, i) => i));
    expect(doneInSend).toBe(0);
    expect(pool.reuses).toBe(EPOCHS - pool.allocations);
    // Each epoch's write callback runs before its ack can arrive: one buffer serves them all.
    if (window === 1) expect(pool.allocations).toBe(1);
  }, TIMEOUT_MS);

  it('a lost link hands the pages back at once: nothing is queued', async () => {
    const { primary, session } = await connectedPair();
    const link = new SocketLink(primary, new StreamEncoding(false, RUN), null, {
      heartbeatMs: 50, killAfterEpoch: null, finishTimeoutMs: TIMEOUT_MS, backupTimeoutMs: TIMEOUT_MS,
    });
    const lost = new Promise<string>((resolve) => { link.onLost = (reason) => resolve(reason); });
    const done: number[] = [];
    link.onPagesDone = (img) => done.push(img.epoch);
    server!.close();
    primary.write(new Uint8Array(16)); // not a frame: the backup refuses the stream and closes
    expect(await lost).toMatch(/refused epoch|closed by the backup|socket error/);
    expect((await session).end).toBe('stream-error');
    link.send(image(0, new Uint32Array(0), new Uint8Array(0), true));
    expect(done).toEqual([0]);
    link.abort();
  }, TIMEOUT_MS);
});
