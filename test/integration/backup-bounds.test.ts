// The real `hbft backup` process against stray, hostile and oversized connections: it
// logs one line per bad connection and keeps waiting for its primary, refuses a second
// connection without disturbing the live one, stays within 2x its --max-mem under a
// flood, runs no workload module it was not given, and checks --serve at start-up.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { GuestRunConfig } from '../../src/replica/device-state.js';
import { LINK_DATA, linkHeader } from '../../src/link/link-frames.js';
import { PAGE_SIZE } from '../../src/vm/layout.js';
import { StreamEncoding } from '../../src/link/backup-link.js';
import { runSync } from '../../src/run/sync-vm.js';
import { concatChunks, encodePageDataHead, encodeStreamHeader } from '../../src/stream/encoder.js';
import { REC_PAGE_DATA } from '../../src/stream/records.js';
import { BUILTIN_WORKLOADS } from '../../src/guest/workloads/registry.js';
import { CLI, hbftProc, killAll, reportOf, startBackup } from '../helpers/processes.js';

afterEach(killAll);
const dir = mkdtempSync(join(tmpdir(), 'hbft-bounds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PAGES = 64;
const RUN: GuestRunConfig = { workload: 'kv', seed: 3, pages: PAGES, vcpus: 1, options: {}, opsPerVcpu: 2000, durationMs: null, stepOps: 256, epochMs: null, epochOps: 1000 };
const sync = runSync({ workload: BUILTIN_WORKLOADS.kv!, mode: 'logdirty', pages: PAGES, vcpus: 1, seed: 3, options: {}, opsPerVcpu: 2000, epochOps: 1000 });

/** Stream header + epoch 0 of a real run, its DEVICE_STATE saying `run`. */
function epochZero(run: GuestRunConfig): Uint8Array {
  return concatChunks(new StreamEncoding(false, run).epoch(sync.epochs[0]!.image).chunks);
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Writes `bytes` as link frames; resolves when the backup closed or the bytes are out. */
async function sendFramed(port: number, bytes: Uint8Array | Iterable<Uint8Array>, close = true): Promise<void> {
  const s = await open(port);
  s.on('error', () => s.destroy()); // the backup closing on us is the expected end
  let closed = false;
  const gone = new Promise<void>((r) => s.once('close', () => r()));
  void gone.then(() => (closed = true));
  s.resume(); // read (and drop) the back channel, so the backup's close is seen
  const pieces = bytes instanceof Uint8Array ? [bytes] : bytes;
  for (const p of pieces) {
    if (closed) break;
    for (let at = 0; at < p.length && !closed; at += 1 << 20) {
      const part = p.subarray(at, Math.min(p.length, at + (1 << 20)));
      s.write(linkHeader(LINK_DATA, part.length));
      if (!s.write(part)) await Promise.race([new Promise<void>((r) => s.once('drain', () => r())), gone]);
    }
  }
  if (close) s.end();
  await gone;
}

function hbft(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const runPrimary = (port: number, ...extra: string[]) =>
  hbftProc('run', '--workload', 'kv', '--mem', '2MiB', '--ops', '20000', '--epoch-ops', '5000', '--backup', `tcp://127.0.0.1:${port}`, ...extra);

describe('hbft backup waits past bad connections', () => {
  it('connect-then-close, garbage, and a stream closed inside epoch 0: one line each, then the real primary is served', async () => {
    const { proc: backup, port } = await startBackup();
    (await open(port)).end(); // a port scan
    await backup.waitFor(/ended before a full copy was committed \(connection-lost/);
    await sendFramed(port, Uint8Array.from({ length: 4096 }, (_, i) => (i * 7) & 0xff)); // framed garbage
    await backup.waitFor(/ended before a full copy was committed \(stream-error: IMAGE_HEADER/);
    const z = epochZero(RUN);
    await sendFramed(port, z.subarray(0, z.length - 100)); // cut inside epoch 0
    await backup.waitFor(/ended before a full copy was committed \(connection-lost.*\n(.|\n)*/);
    const raw = await open(port); // not even a link frame
    raw.on('error', () => raw.destroy());
    raw.resume();
    raw.write('GET / HTTP/1.0\r\n\r\n');
    await backup.waitFor(/stream-error: LINK_FRAME/);
    raw.destroy();
    const primary = runPrimary(port);
    expect((await primary.exited).code, primary.err).toBe(0);
    expect((await backup.exited).code, backup.err).toBe(0);
    const rep = reportOf(backup);
    expect(rep).toMatchObject({ outcome: 'clean', committedEpoch: 4, refusedConnections: 4 });
    expect(backup.err.match(/ended before a full copy was committed/g)).toHaveLength(4);
  }, 30_000);

  it('a second connection while a session is live is refused; the live session is untouched', async () => {
    const { proc: backup, port } = await startBackup();
    const primary = hbftProc('run', '--workload', 'kv', '--mem', '2MiB', '--ops', '400000', '--epoch-ops', '20000', '--backup', `tcp://127.0.0.1:${port}`);
    await backup.waitFor(/committed epoch 0 /);
    const intruder = await open(port);
    intruder.on('error', () => intruder.destroy());
    intruder.resume();
    intruder.write(epochZero(RUN));
    await new Promise<void>((r) => intruder.once('close', () => r()));
    expect((await primary.exited).code, primary.err).toBe(0);
    expect((await backup.exited).code).toBe(0);
    expect(backup.err).toMatch(/refusing a connection from 127\.0\.0\.1:\d+: a session is live/);
    expect(reportOf(backup)).toMatchObject({ outcome: 'clean', committedEpoch: 20, refusedConnections: 1 });
  }, 60_000);
});

describe('a stray connection holding the slot', () => {
  it('the real primary, refused meanwhile, retries and is served once the stray times out', async () => {
    const { proc: backup, port } = await startBackup('--heartbeat-ms', '500');
    const stray = await open(port); // connects and says nothing
    stray.on('error', () => stray.destroy());
    stray.resume();
    const primary = runPrimary(port);
    await backup.waitFor(/refusing a connection from .*: a session is live/);
    expect((await primary.exited).code, primary.err).toBe(0);
    expect((await backup.exited).code).toBe(0);
    expect(backup.err).toMatch(/ended before a full copy was committed \(heartbeat-timeout/);
    expect(reportOf(backup)).toMatchObject({ outcome: 'clean', committedEpoch: 4 });
    stray.destroy();
  }, 30_000);
});

describe('a flood is refused within the backup\'s own limits', () => {
  const peakRss = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
  const page = (pfns: number[]) => concatChunks([encodePageDataHead(REC_PAGE_DATA, Uint32Array.from(pfns), pfns.length * PAGE_SIZE), new Uint8Array(pfns.length * PAGE_SIZE).fill(0x5a)]);
  function* ascending(totalPages: number) {
    yield encodeStreamHeader();
    for (let first = 0; first < totalPages; first += 1024) yield page(Array.from({ length: 1024 }, (_, i) => first + i));
  }
  function* repeated(records: number) {
    yield encodeStreamHeader();
    for (let i = 0; i < records; i++) yield page(Array.from({ length: 1024 }, () => 7));
  }

  it.skipIf(!existsSync('/proc/self/status'))('1 GiB of PAGE_DATA without a CHECKPOINT: refused at --max-mem, peak RSS under 2x --max-mem, then a real primary is served', async () => {
    const maxMem = 256 << 20;
    const { proc: backup, port } = await startBackup('--max-mem', '256MiB');
    await sendFramed(port, ascending((1 << 30) / PAGE_SIZE));
    await backup.waitFor(/stream-error: PAGE_DATA at offset \d+: pfn 0x10000 beyond guest RAM \(65536 pages\)/);
    await sendFramed(port, repeated(256));
    await backup.waitFor(/pfn 0x7 repeated in epoch 0/);
    const peak = peakRss(backup.child.pid!);
    const primary = runPrimary(port);
    expect((await primary.exited).code, primary.err).toBe(0);
    await backup.exited;
    expect(reportOf(backup)).toMatchObject({ outcome: 'clean', refusedConnections: 2 });
    process.stdout.write(`backup peak RSS after a 1 GiB flood: ${(peak / 2 ** 20).toFixed(0)} MiB (--max-mem 256 MiB)\n`);
    expect(peak).toBeLessThan(2 * maxMem);
  }, 60_000);

  it('a guest larger than --max-mem is refused at its first page past the limit', async () => {
    const { proc: backup, port } = await startBackup('--max-mem', '128KiB');
    await sendFramed(port, epochZero(RUN));
    await backup.waitFor(/pfn 0x20 beyond guest RAM \(32 pages\)/);
    backup.child.kill('SIGTERM');
    expect((await backup.exited).code).toBe(0);
    expect(reportOf(backup).outcome).toBe('shutdown');
  });
});

describe('no code from the wire', () => {
  const evil = join(dir, 'evil.mjs');
  const marker = join(dir, 'ran');
  writeFileSync(evil, `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(marker)}, 'ran'); export default {};\n`);

  it('a valid epoch 0 naming a module path, then a disconnect: refused, never imported; bad device states likewise', async () => {
    const { proc: backup, port } = await startBackup();
    await sendFramed(port, epochZero({ ...RUN, workload: evil }));
    await backup.waitFor(/WORKLOAD_REFUSED|not among this backup's --workload-module files/);
    await sendFramed(port, epochZero({ ...RUN, stepOps: 0 }));
    await backup.waitFor(/stepOps 0 not in 1\.\./);
    await sendFramed(port, epochZero({ ...RUN, vcpus: 0 }));
    await backup.waitFor(/vcpus 0 not in 1\.\.64/);
    backup.child.kill('SIGTERM');
    expect((await backup.exited).code).toBe(0);
    expect(reportOf(backup)).toMatchObject({ outcome: 'shutdown', refusedConnections: 3, committedEpoch: -1 });
    expect(existsSync(marker)).toBe(false);
  });

  it('--workload-module must exist and export a workload (exit 2, one line)', () => {
    const r = hbft('backup', '--listen', '127.0.0.1:0', '--workload-module', join(dir, 'missing.mjs'));
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--workload-module/);
  });
});

describe('start-up checks (exit 2, one line)', () => {
  it('--serve on a port in use, or an unknown host', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as { port: number }).port;
    for (const [serve, why] of [[`127.0.0.1:${port}`, /EADDRINUSE/], ['no-such-host.invalid:7000', /ENOTFOUND|EAI_AGAIN/]] as const) {
      const r = hbft('backup', '--listen', '127.0.0.1:0', '--serve', serve);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/--serve/);
      expect(r.stderr).toMatch(why);
    }
    busy.close();
  });

  it('listening beyond loopback needs --auth-key; an existing witness is refused', () => {
    const r = hbft('backup', '--listen', '0.0.0.0:0');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^hbft: --listen: 0\.0\.0\.0:0 is reachable from other hosts: give --auth-key FILE/);
    const w = join(dir, 'w-existing');
    writeFileSync(w, '{"role":"backup"}');
    for (const args of [['backup', '--listen', '127.0.0.1:0', '--witness', w], ['run', '--backup', 'process', '--witness', w, '--ops', '10']]) {
      const r2 = hbft(...args);
      expect(r2.code, r2.stderr).toBe(2);
      expect(r2.stderr.trim().split('\n')).toHaveLength(1);
      expect(r2.stderr).toMatch(/--witness: .* already exists/);
    }
  });
});

describe('--auth-key', () => {
  const key = join(dir, 'key');
  const other = join(dir, 'other');
  writeFileSync(key, 'a shared key of more than sixteen bytes\n');
  writeFileSync(other, 'some other key, also long enough\n');

  it('a primary with the wrong key or none is refused before any record is read; the right one is served', async () => {
    const { proc: backup, port } = await startBackup('--auth-key', key);
    const wrong = runPrimary(port, '--auth-key', other);
    expect((await wrong.exited).code).toBe(2);
    expect(wrong.err.trim().split('\n')).toHaveLength(1);
    expect(wrong.err).toMatch(/--auth-key: .*auth accept/);
    await backup.waitFor(/refused: auth response: the peer does not hold the key/);
    await sendFramed(port, epochZero(RUN)); // a stream without the handshake
    await backup.waitFor(/refused: auth response: not an hbft auth message/);
    const right = runPrimary(port, '--auth-key', key);
    expect((await right.exited).code, right.err).toBe(0);
    expect((await backup.exited).code).toBe(0);
    expect(reportOf(backup)).toMatchObject({ outcome: 'clean', committedEpoch: 4, refusedConnections: 2 });
  }, 30_000);

  it('with a key the backup may listen on all interfaces', async () => {
    const backup = hbftProc('backup', '--listen', '0.0.0.0:0', '--auth-key', key, '--json', '-');
    const port = Number((await backup.waitFor(/listening on [^\s]+:(\d+)/))[1]);
    const right = runPrimary(port, '--auth-key', key);
    expect((await right.exited).code, right.err).toBe(0);
    expect((await backup.exited).code).toBe(0);
  }, 30_000);
});
