import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/processes.js';
import { NO_XEN_CHECKER, runXenChecker } from '../helpers/xen-checker.js';

function hbft(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const RUN = ['run', '--workload', 'kv', '--vcpus', '2', '--mem', '4MiB', '--ops', '30000', '--epoch-ops', '5000', '--json', '-'];
let dir = '';
/** The stream of a real 2-vCPU multi-epoch run, and a copy cut 5,000 bytes short. */
let file = '';
let cut = '';
let run: ReturnType<typeof hbft>;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hbft-stream-it-'));
  file = join(dir, 'run.bin');
  cut = join(dir, 'cut.bin');
  run = hbft(...RUN, '--stream-out', file);
  if (run.code !== 0) return; // the first test reports the failed run
  const bytes = readFileSync(file);
  writeFileSync(cut, bytes.subarray(0, bytes.length - 5000));
});
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

describe('--stream-out and hbft stream inspect', () => {
  it("a real 2-vCPU multi-epoch run's stream passes inspect; a truncated copy fails it", () => {
    expect(run.code, run.stderr).toBe(0);
    const results = JSON.parse(run.stdout);
    const bytes = readFileSync(file);
    expect(results.backup.bytesSent).toBe(bytes.length);

    const insp = hbft('stream', 'inspect', file, '--json', '-');
    expect(insp.code).toBe(0);
    const j = JSON.parse(insp.stdout);
    expect(j).toMatchObject({ valid: true, version: 3, domainType: 2, error: null });
    expect(j.epochs).toHaveLength(7);
    expect(j.epochs[0]).toMatchObject({ index: 0, pages: 1024 });

    const inspCut = hbft('stream', 'inspect', cut, '--json', '-');
    expect(inspCut.code).toBe(1);
    expect(JSON.parse(inspCut.stdout)).toMatchObject({ valid: false, error: { code: 'TRUNCATED' } });
    expect(JSON.parse(inspCut.stdout).epochs.length).toBeLessThan(7);
  });

  it.skipIf(NO_XEN_CHECKER)("Xen's checker accepts the same run's stream and rejects the truncated copy", () => {
    expect(run.code, run.stderr).toBe(0);
    const xen = runXenChecker(file);
    expect(xen.status, xen.out).toBe(0);
    expect(runXenChecker(cut).status).toBe(1);
  });

  it('--compress over a backup process: same result, far fewer bytes per epoch', () => {
    const plain = JSON.parse(hbft(...RUN, '--backup', 'process').stdout.replace(/^[^{]*/, ''));
    const z = hbft(...RUN, '--backup', 'process', '--compress');
    expect(z.code, z.stderr).toBe(0);
    const comp = JSON.parse(z.stdout.replace(/^[^{]*/, ''));
    expect(comp.workload.result).toBe(plain.workload.result);
    expect(comp.backup.committedEpochs).toBe(7);
    expect(comp.backup.plainBytes).toBe(plain.backup.bytesSent);
    expect(comp.backup.bytesSent).toBeLessThan(plain.backup.bytesSent / 2);
    for (const e of comp.epochLog) expect(e.sentBytes).toBeLessThan(e.plainBytes / 10);
  });
});
