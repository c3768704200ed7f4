import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { GuestRunConfig } from '../replica/device-state.js';
import { startCpuProfile, type CpuProfiler } from '../metrics/cpu-profile.js';
import { HdrIntervalLog } from '../metrics/hdr-interval-log.js';
import { percentileFile } from '../metrics/histograms.js';
import { formatAddress } from '../net/address.js';
import { spawnBackupChild, type BackupChild } from '../link/backup-process.js';
import { Witness } from '../replica/witness.js';
import { authenticateToBackup } from '../link/auth.js';
import { KvFrontend } from '../service/kv-frontend.js';
import { SocketLink, connectBackup } from '../link/socket-link.js';
import { InprocLink, StreamEncoding, StreamFile, type BackupLink } from '../link/backup-link.js';
import { allocateNetDevice } from '../guest/net-device.js';
import { runVm, type RunHooks } from '../run/run-vm.js';
import { BACKUP_RUN_FLAGS, resolveBackupOptions, type BackupRunOptions } from './backup-options.js';
import { ConfigError } from '../base/errors.js';
import type { CommandSpec } from './command.js';
import { RUN_FLAGS, resolveRunConfig, type ResolvedConfig, type RunFlagValues } from './config.js';
import type { FlagGroup, ParsedFlags } from './flags.js';
import { createProgress } from './progress.js';
import { HDR_INTERVAL_MS, RUN_OUTPUT_FLAGS, resolveRunOutputs, type RunOutputFlagValues } from './run-outputs.js';
import { formatSummary } from './summary.js';

/** `hbft run`'s flags, in the order --help and the README table list them. */
export const RUN_FLAG_GROUPS: readonly FlagGroup[] = [
  { title: 'Run', table: RUN_FLAGS },
  { title: 'Outputs', table: RUN_OUTPUT_FLAGS },
  { title: 'Backup', table: BACKUP_RUN_FLAGS },
];

export const runSpec: CommandSpec = {
  name: 'run',
  summary: 'run one workload under one tracking mode',
  flags: RUN_FLAG_GROUPS,
  details: 'Example: hbft run --workload hotcold --mode wfp --mem 64MiB --duration 2s --verify',
  run: (values, positionals) => runCommand(values, positionals),
};

/** The backup answers a challenge in well under a second; a silent peer is not one. */
const AUTH_TIMEOUT_MS = 5000;

/** Epochs a deterministic run will take; timer runs have no exact count. */
function expectedEpochs(cfg: ResolvedConfig): number | undefined {
  if (cfg.epochOps === null || cfg.opsPerVcpu === null) return undefined;
  return Math.ceil(cfg.opsPerVcpu / cfg.epochOps);
}

/** `hbft run ...`: one workload under one mode; summary on stdout, JSON where asked. */
export async function runCommand(values: ParsedFlags, positionals: readonly string[]): Promise<number> {
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
    const fe = (frontend = new KvFrontend(new Int32Array(ring), backupOpts.outputCommit, { maxClients: backupOpts.maxClients }));
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
