// Stock Redis clients against the kvserver guest: redis-cli sets keys on a protected
// primary, the primary is SIGKILLed, and redis-cli reads every acknowledged key back
// from the backup; redis-benchmark runs against a protected kvserver.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, hbftProc, killAll, startBackup } from '../helpers/processes.js';
import { haveRedisTools, toolPath } from '../helpers/redis.js';

afterEach(killAll);


/** Runs a redis tool to its end; stdin is fed `input`. */
function tool(name: 'redis-cli' | 'redis-benchmark', args: string[], input = ''): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(toolPath(name), args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('latin1').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('close', (code) => { clearTimeout(timer); resolve({ code, out, err }); });
    child.stdin.end(input);
  });
}

// Keys and values with spaces and quotes' worth of bytes, near the limits.
const key = (i: number) => `key:${i} ${'k'.repeat(40)}`;
const value = (i: number) => `value ${i} ${'v'.repeat(150)}`;
const quoted = (s: string) => `"${s}"`;

describe.skipIf(!haveRedisTools('redis-cli', 'redis-benchmark'))('kvserver with redis-cli', () => {
  it('every key redis-cli saw acknowledged by the primary is read back from the backup after a SIGKILL', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const { proc: backup, port } = await startBackup('--serve', `127.0.0.1:${p2}`);
    const primary = hbftProc('run', '--workload', 'kvserver', '--serve', `127.0.0.1:${p1}`, '--mem', '4MiB', '--ops', '100000000',
      '--epoch-ms', '50', '--backup', `tcp://127.0.0.1:${port}`);
    await primary.waitFor(/kvserver serving on/);
    const n = 60;
    const sets = Array.from({ length: n }, (_, i) => `SET ${quoted(key(i))} ${quoted(value(i))}`).join('\n') + '\n';
    const set = await tool('redis-cli', ['-h', '127.0.0.1', '-p', String(p1)], sets + 'INCR counter\nINCR counter\n');
    expect(set.out.split('\n').slice(0, n + 2), set.err).toEqual([...Array<string>(n).fill('OK'), '1', '2']);
    // Killed right after the last OK: within the epoch that acked it, or the next.
    primary.child.kill('SIGKILL');
    await backup.waitFor(/failover: kvserver serving on/);
    const gets = Array.from({ length: n }, (_, i) => `GET ${quoted(key(i))}`).join('\n') + '\nGET counter\n';
    const got = await tool('redis-cli', ['-h', '127.0.0.1', '-p', String(p2)], gets);
    expect(got.out.split('\n').slice(0, n + 1), got.err).toEqual([...Array.from({ length: n }, (_, i) => value(i)), '2']);
    // The backup serves writes too, with the same protocol.
    const after = await tool('redis-cli', ['-h', '127.0.0.1', '-p', String(p2)], 'SET after failover\nGET after\nDEL after\nEXISTS after\n');
    expect(after.out.split('\n').slice(0, 4)).toEqual(['OK', 'failover', '1', '0']);
    const bench = await tool('redis-benchmark', ['-h', '127.0.0.1', '-p', String(p2), '-t', 'set,get', '-c', '4', '-n', '400', '--csv']);
    expect(bench.code, bench.err).toBe(0);
    expect(bench.out).toMatch(/^"SET","[1-9]/m);
    expect(bench.out).toMatch(/^"GET","[1-9]/m);
  }, 90_000);

  it('--max-clients 1: a second client is told so by the Redis error, the first is served', async () => {
    const p1 = await freePort();
    const primary = hbftProc('run', '--workload', 'kvserver', '--mode', 'native', '--serve', `127.0.0.1:${p1}`, '--mem', '1MiB', '--ops', '100000000', '--max-clients', '1');
    await primary.waitFor(/kvserver serving on/);
    const holder = connect(p1, '127.0.0.1');
    await new Promise<void>((r) => holder.once('connect', () => r()));
    let held = '';
    holder.on('data', (d) => (held += d.toString()));
    holder.write('PING\r\n');
    await new Promise<void>((r) => holder.once('data', () => r()));
    const second = await tool('redis-cli', ['-h', '127.0.0.1', '-p', String(p1), 'PING']);
    expect(second.out + second.err).toMatch(/ERR max number of clients reached/);
    expect(held).toBe('+PONG\r\n');
    holder.destroy();
  }, 60_000);
});

describe.skipIf(!haveRedisTools('redis-cli', 'redis-benchmark'))('kvserver with redis-benchmark', () => {
  it('redis-benchmark SET and GET against a protected kvserver: every request answered, the values readable', async () => {
    const p1 = await freePort();
    const { port } = await startBackup('--no-failover'); // killed with the primary at the end
    const primary = hbftProc('run', '--workload', 'kvserver', '--serve', `127.0.0.1:${p1}`, '--mem', '4MiB', '--ops', '100000000',
      '--epoch-ms', '10', '--backup', `tcp://127.0.0.1:${port}`);
    await primary.waitFor(/kvserver serving on/);
    const bench = await tool('redis-benchmark', ['-h', '127.0.0.1', '-p', String(p1), '-t', 'set,get,incr,ping', '-c', '4', '-n', '200', '-r', '50', '--csv']);
    expect(bench.code, bench.err).toBe(0);
    const rows = bench.out.trim().split('\n').slice(1).map((l) => JSON.parse(`[${l}]`) as string[]);
    expect(rows.map((r) => r[0])).toEqual(['PING_INLINE', 'PING_MBULK', 'SET', 'GET', 'INCR']);
    for (const r of rows) expect(Number(r[1]), r[0]).toBeGreaterThan(0);
    // -r 50: keys key:000000000000 .. key:000000000049, values of 3 bytes; INCR counter:rand.
    const cli = await tool('redis-cli', ['-h', '127.0.0.1', '-p', String(p1)], 'EXISTS ' + Array.from({ length: 50 }, (_, i) => `key:${String(i).padStart(12, '0')}`).join(' ') + '\n');
    expect(Number(cli.out.trim())).toBeGreaterThan(0);
    expect(bench.err).not.toMatch(/Error|ERR/); // CONFIG GET is refused: redis-benchmark says WARNING, not an error
  }, 90_000);
});
