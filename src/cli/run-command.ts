import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { GuestRunConfig } from '../backup/device-state.js';
import { startCpuProfile, type CpuProfiler } from '../metrics/cpu-profile.js';
import { HdrIntervalLog } from '../metrics/hdr-interval-log.js';
import { percentileFile } from '../metrics/histograms.js';
import { formatAddress } from '../net/address.js';
import { spawnBackupChild, type BackupChild } from '../net/backup-process.js';
import { Witness } from '../backup/witness.js';
import { authenticateToBackup } from '../net/auth.js';
import { KvFrontend } from '../net/kv-frontend.js';
import { SocketLink, connectBackup } from '../net/socket-link.js';
import { InprocLink, StreamEncoding, StreamFile, type BackupLink } from '../run/backup-link.js';
import { allocateNetDevice } from '../run/net-device.js';
import { runVm, type RunHooks } from '../run/run-vm.js';
import { BACKUP_RUN_FLAGS, resolveBackupOptions, type BackupRunOptions } from './backup-options.js';
import { ConfigError } from './config-error.js';
import { RUN_FLAGS, parseFlags, resolveRunConfig, type ResolvedConfig, type RunFlagValues } from './config.js';
import { expandOptionalValues } from './optional-value.js';
import { createProgress } from './progress.js';
import {
  HDR_INTERVAL_MS, OPTIONAL_VALUE_FLAGS, RUN_OUTPUT_FLAGS, resolveRunOutputs, type RunOutputFlagValues,
} from './run-outputs.js';
import { formatSummary } from './summary.js';

/** The backup answers a challenge in well under a second; a silent peer is not one. */
const AUTH_TIMEOUT_MS = 5000;

const FLAGS = { ...RUN_FLAGS, ...RUN_OUTPUT_FLAGS, ...BACKUP_RUN_FLAGS } as const;

/** Epochs a deterministic run will take; timer runs have no exact count. */
function expectedEpochs(cfg: ResolvedConfig): number | undefined {
  if (cfg.epochOps === null || cfg.opsPerVcpu === null) return undefined;
  return Math.ceil(cfg.opsPerVcpu / cfg.epochOps);
}

/** `hbft run ...`: one workload under one mode; summary on stdout, JSON where asked. */
export async function runCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags(expandOptionalValues(argv, OPTIONAL_VALUE_FLAGS), FLAGS);
  if (positionals.length > 0) throw new ConfigError(positionals[0], 'unexpected argument');
  const cfg = resolveRunConfig(values as RunFlagValues);
  const out = resolveRunOutputs(values as RunOutputFlagValues, cfg.workload, cfg.mode);
  const backupOpts = resolveBackupOptions(values, cfg);
  // With --json - stdout is the JSON alone, so paths written go to stderr.
  const note = (line: string) => (cfg.json === '-' ? process.stderr : process.stdout).write(line + '\n');

  const { link, child } = await openLink(cfg, backupOpts);
  const mainProfiler: CpuProfiler | null = out.cpuProfDir === null ? null : await startCpuProfile(out.cpuProfDir, 'main');
  const hdrLog = out.hdrLog === null ? null : new HdrIntervalLog();
  const progress = createProgress({ label: 'run', quiet: out.quiet, total: expectedEpochs(cfg) });
  progress.update({ workload: cfg.workload, mode: cfg.mode, epoch: 0 });
  const witness = backupOpts.witness === null ? null : new Witness(backupOpts.witness);
  const hooks: RunHooks = {
    onEpoch: (record) => progress.update({ epoch: record.epoch }),
    backupLoss: {
      policy: backupOpts.onBackupLoss,
      claim: witness === null ? null : (epoch) => witness.claim('primary', epoch),
      witnessPath: backupOpts.witness,
    },
    ...(link === null ? {} : { link }),
    ...(hdrLog === null ? {} : { intervals: { intervalMs: HDR_INTERVAL_MS, onIntervals: (ivs) => ivs.forEach((iv) => hdrLog.add(iv)) } }),
    ...(out.cpuProfDir === null ? {} : { cpuProfDir: out.cpuProfDir }),
  };
  let frontend: KvFrontend | null = null;
  if (backupOpts.serve !== null) {
    const ring = allocateNetDevice();
    const fe = (frontend = new KvFrontend(new Int32Array(ring), backupOpts.outputCommit));
    const bound = await fe.listen('--serve', backupOpts.serve);
    process.stderr.write(`hbft: kvserver serving on ${formatAddress(bound)}${backupOpts.outputCommit ? '' : ' (no output commit)'}\n`);
    Object.assign(hooks, {
      netDevice: ring, onOutput: (e: number, c: number, t: string) => fe.output(e, c, t), onAck: (e: number) => fe.ack(e),
      onHalt: () => fe.close(), // held replies stay held: their sockets are gone
    });
  }
  let run: Awaited<ReturnType<typeof runVm>>;
  try {
    run = await runVm(cfg, hooks);
  } finally {
    progress.stop();
    frontend?.close();
  }
  if (child !== null) await child.exited;
  const { results, pause } = run;
  const text = JSON.stringify(results, null, 2);
  if (cfg.json === '-') {
    process.stdout.write(text + '\n');
  } else {
    process.stdout.write(formatSummary(results) + '\n');
    if (cfg.json !== null) {
      mkdirSync(dirname(cfg.json), { recursive: true });
      writeFileSync(cfg.json, text + '\n');
      const hgrm = cfg.json.replace(/\.json$/, '') + '.pause.hgrm';
      writeFileSync(hgrm, percentileFile(pause));
      note(`wrote ${cfg.json} and ${hgrm}`);
    }
  }
  pause.destroy();
  if (hdrLog !== null && out.hdrLog !== null) {
    mkdirSync(dirname(out.hdrLog), { recursive: true });
    writeFileSync(out.hdrLog, hdrLog.render(run.startWallMs, `hbft-emu run ${cfg.workload} ${cfg.mode}`));
    hdrLog.destroy();
    note(`wrote HdrHistogram log ${out.hdrLog}`);
  }
  if (out.report !== null) {
    // Imported here: vega is slow to load and most runs write no report.
    const { writeReport } = await import('../report/write-report.js');
    note(`wrote report ${await writeReport([results], out.report)}`);
  }
  if (mainProfiler !== null) {
    await mainProfiler.stop();
    note(`wrote CPU profiles (main, tracker, checkpointer, vcpu-N) in ${out.cpuProfDir}`);
  }
  const bad = results.backup.consistent === false || results.workload.verified === false || run.halted !== null;
  return bad ? 1 : 0;
}

/** What the backup needs to resume this guest; rides in every epoch's DEVICE_STATE. */
export function guestRunConfig(cfg: ResolvedConfig): GuestRunConfig {
  return {
    workload: cfg.workload, seed: cfg.seed, pages: cfg.pages, vcpus: cfg.vcpus, options: cfg.options,
    opsPerVcpu: cfg.opsPerVcpu, durationMs: cfg.durationMs, stepOps: cfg.stepOps, epochMs: cfg.epochMs, epochOps: cfg.epochOps,
  };
}

async function openLink(cfg: ResolvedConfig, o: BackupRunOptions): Promise<{ link: BackupLink | null; child: BackupChild | null }> {
  if (cfg.mode === 'native') return { link: null, child: null };
  const encoding = o.streamOut !== null || o.target.kind !== 'inproc' ? new StreamEncoding(o.compress, guestRunConfig(cfg)) : null;
  const file = o.streamOut !== null ? openStreamFile(o.streamOut) : null;
  if (o.target.kind === 'inproc') return { link: new InprocLink(cfg.pages, cfg.vcpus, encoding, file), child: null };
  let child: BackupChild | null = null;
  let address = o.target.kind === 'remote' ? o.target.address : null;
  if (o.target.kind === 'process') {
    child = await spawnBackupChild(o.witness === null ? [] : ['--witness', o.witness]);
    address = { kind: 'unix', path: child.socketPath };
  }
  const socket = await connectBackup(address!);
  if (o.authKey !== null) {
    try {
      await authenticateToBackup(socket, o.authKey, AUTH_TIMEOUT_MS);
    } catch (e) {
      socket.destroy();
      throw new ConfigError('--auth-key', `${formatAddress(address!)}: ${(e as Error).message}`);
    }
  }
  const link = new SocketLink(socket, encoding!, file, {
    heartbeatMs: o.heartbeatMs, killAfterEpoch: o.killAfterEpoch, finishTimeoutMs: 60_000, backupTimeoutMs: o.backupTimeoutMs,
  });
  return { link, child };
}

function openStreamFile(path: string): StreamFile {
  mkdirSync(dirname(path), { recursive: true });
  return new StreamFile(path);
}
