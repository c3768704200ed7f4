// `hbft backup --listen ADDR`: receive one primary's checkpoint stream, keep the last
// committed image, ack each epoch; when the primary dies, resume the guest from that
// image and run it to completion (DESIGN 8). Connections that fail before the full copy
// is committed are logged and the backup waits for the next (docs/failover.md).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Server, Socket } from 'node:net';
import { resumeGuest, resumedFrom, type FailoverOutcome, type GuestNet } from '../backup/failover.js';
import { KvFrontend } from '../net/kv-frontend.js';
import { allocateNetDevice } from '../run/net-device.js';
import { BackupReceiver } from '../backup/receiver.js';
import { runSession, type SessionOutcome } from '../backup/backup-session.js';
import { Witness } from '../backup/witness.js';
import { WorkloadAllowlist } from '../backup/workload-allowlist.js';
import { authenticatePrimary, isLocalOnly } from '../net/auth.js';
import { readAuthKey } from './auth-key.js';
import { formatAddress, parseAddress, type NetAddress } from '../net/address.js';
import { listenOn } from '../net/listen.js';
import { PAGE_SIZE } from '../memory/layout.js';
import { loadWorkload } from '../workloads/registry.js';
import { ConfigError } from './config-error.js';
import { parseFlags } from './config.js';
import { parseCount, parseSize } from './units.js';

const FLAGS = {
  listen: { type: 'string' },
  'state-dir': { type: 'string' },
  'heartbeat-ms': { type: 'string' },
  serve: { type: 'string' },
  json: { type: 'string' },
  'no-failover': { type: 'boolean' },
  witness: { type: 'string' },
  'auth-key': { type: 'string' },
  'max-mem': { type: 'string' },
  'workload-module': { type: 'string', multiple: true },
} as const;

/** Like the primary's --mem limit. */
const DEFAULT_MAX_MEM = 4 * 2 ** 30;
/** A primary answers the challenge at once; a peer that does not is dropped. */
const AUTH_TIMEOUT_MS = 2000;

export interface BackupReport {
  readonly role: 'backup';
  /**
   * clean: END received; failover: guest resumed and finished; kept: image kept, no
   * failover (--no-failover or a refused stream); fenced: the witness was lost;
   * shutdown: SIGTERM, the primary was told; failed: nothing to resume.
   */
  readonly outcome: 'clean' | 'failover' | 'failed' | 'kept' | 'fenced' | 'shutdown';
  readonly session: SessionOutcome;
  /** Connections refused or ended before a full copy was committed. */
  readonly refusedConnections: number;
  readonly committedEpoch: number;
  readonly epochsApplied: number;
  readonly finalCommitted: boolean;
  readonly imageCrc: number;
  readonly streamError: { code: string; message: string } | null;
  readonly failover: (FailoverOutcome & { workload: string; opsLimit: number | null; servingAt: number | null }) | null;
}

interface BackupConfig {
  readonly addr: NetAddress;
  readonly heartbeatMs: number | null;
  readonly json: string | null;
  readonly stateDir: string | null;
  readonly serve: NetAddress | null;
  readonly noFailover: boolean;
  readonly witness: Witness | null;
  readonly authKey: Buffer | null;
  readonly maxPages: number;
  readonly workloads: WorkloadAllowlist;
}

async function resolveBackupConfig(argv: readonly string[]): Promise<BackupConfig> {
  const { values, positionals } = parseFlags(argv, FLAGS);
  if (positionals.length > 0) throw new ConfigError(positionals[0]!, 'unexpected argument');
  if (values.listen === undefined) throw new ConfigError('--listen', 'required: HOST:PORT or unix:PATH');
  const addr = parseAddress('--listen', values.listen as string, true);
  const authKey = values['auth-key'] === undefined ? null : readAuthKey('--auth-key', values['auth-key'] as string);
  if (authKey === null && !isLocalOnly(addr)) {
    throw new ConfigError('--listen', `${formatAddress(addr)} is reachable from other hosts: give --auth-key FILE, or listen on loopback or unix:PATH`);
  }
  const maxMem = values['max-mem'] === undefined ? DEFAULT_MAX_MEM : parseSize('--max-mem', values['max-mem'] as string);
  if (maxMem < PAGE_SIZE || maxMem % PAGE_SIZE !== 0) throw new ConfigError('--max-mem', `${String(values['max-mem'])} is not a whole number of ${PAGE_SIZE}-byte pages`);
  const modules = (values['workload-module'] as string[] | undefined) ?? [];
  for (const m of modules) {
    try {
      await loadWorkload(m.startsWith('/') || m.startsWith('.') ? m : `./${m}`);
    } catch (e) {
      throw new ConfigError('--workload-module', `${m}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const witness = values.witness === undefined ? null : new Witness(values.witness as string);
  const unusable = witness?.unusable() ?? null;
  if (unusable !== null) throw new ConfigError('--witness', unusable);
  return {
    addr, authKey, witness,
    heartbeatMs: values['heartbeat-ms'] === undefined ? null : parseCount('--heartbeat-ms', values['heartbeat-ms'] as string, 1, 3_600_000),
    json: (values.json as string | undefined) ?? null,
    stateDir: (values['state-dir'] as string | undefined) ?? null,
    serve: values.serve === undefined ? null : parseAddress('--serve', values.serve as string, true),
    noFailover: (values['no-failover'] as boolean | undefined) ?? false,
    maxPages: maxMem / PAGE_SIZE,
    workloads: new WorkloadAllowlist(modules),
  };
}

/** One session at a time: a connection while one is live is refused and logged, the live one untouched. */
class SessionGate {
  private waiting: ((s: Socket) => void) | null = null;
  refused = 0;

  constructor(private readonly log: (line: string) => void) {}

  offer(s: Socket): void {
    const take = this.waiting;
    if (take === null) {
      this.refused++;
      this.log(`refusing a connection from ${peer(s)}: a session is live`);
      s.destroy();
      return;
    }
    this.waiting = null;
    take(s);
  }

  next(): Promise<Socket> {
    return new Promise((resolve) => (this.waiting = resolve));
  }
}

const peer = (s: Socket) => (s.remoteAddress === undefined ? 'a unix peer' : `${s.remoteAddress}:${s.remotePort}`);

export async function backupCommand(argv: readonly string[]): Promise<number> {
  const cfg = await resolveBackupConfig(argv);
  const log = (line: string) => process.stderr.write(`hbft backup: ${line}\n`);
  // --serve is bound now, so a port in use or an unknown host fails here (exit 2), not at
  // failover; until then connections are reset, so clients try the primary at once.
  let placeholder: { server: Server; bound: NetAddress } | null = null;
  if (cfg.serve !== null) {
    placeholder = await listenOn('--serve', cfg.serve, (s) => s.destroy());
    log(`--serve ${formatAddress(placeholder.bound)} reserved for failover`);
  }

  const gate = new SessionGate(log);
  const { server, bound } = await listenOn('--listen', cfg.addr, (s) => gate.offer(s));
  process.stdout.write(`hbft backup: listening on ${formatAddress(bound)}\n`);
  const shutdown = new AbortController();
  const onSignal = () => shutdown.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);

  let receiver = new BackupReceiver();
  let session: SessionOutcome | null = null;
  let preludeFailures = 0;
  const aborted = new Promise<null>((r) => shutdown.signal.addEventListener('abort', () => r(null), { once: true }));
  while (!shutdown.signal.aborted) {
    const socket = await Promise.race([gate.next(), aborted]);
    if (socket === null) break;
    const from = peer(socket);
    if (cfg.authKey !== null) {
      try {
        await authenticatePrimary(socket, cfg.authKey, AUTH_TIMEOUT_MS);
      } catch (e) {
        preludeFailures++;
        log(`connection from ${from} refused: ${(e as Error).message}; waiting for the primary`);
        socket.destroy();
        continue;
      }
    }
    receiver = new BackupReceiver({}, { maxPages: cfg.maxPages, checkRun: (run) => void cfg.workloads.resolve(run.workload) });
    session = await runSession(socket, receiver, { heartbeatMs: cfg.heartbeatMs, log, shutdown: shutdown.signal });
    if (receiver.image !== null || session.end === 'shutdown') break;
    preludeFailures++;
    log(`connection from ${from} ended before a full copy was committed (${session.end}: ${session.detail}); waiting for the primary`);
    session = null;
  }
  server.close();
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  const now = Date.now();
  const ended: SessionOutcome = session ?? { end: 'shutdown', detail: 'shut down while waiting for a primary', lastHeardAt: now, detectedAt: now };
  const image = receiver.image;
  log(`primary session ended (${ended.end}: ${ended.detail}); committed epoch ${receiver.committedEpoch}`);

  let outcome: BackupReport['outcome'] = 'failed';
  let failover: BackupReport['failover'] = null;
  if (ended.end === 'end') outcome = 'clean';
  else if (ended.end === 'shutdown') outcome = 'shutdown';
  else if (image === null || receiver.device === null) log('no committed epoch: nothing to resume');
  // A refused stream comes from a live primary: resuming would run the guest twice.
  else if (cfg.noFailover || ended.end === 'stream-error') outcome = 'kept';
  else {
    const claim = cfg.witness?.claim('backup', receiver.committedEpoch) ?? null;
    if (claim !== null && !claim.won) {
      outcome = 'fenced';
      log(`failover refused: the witness ${cfg.witness!.path} is ${claim.holder}`);
    } else {
      if (claim !== null) log(`won the witness ${cfg.witness!.path}`);
      const run = receiver.device.run;
      const workload = cfg.workloads.resolve(run.workload); // checked at epoch 0; the name the vCPUs load
      const from = resumedFrom(image, receiver.finalCommitted);
      log(`failover: resuming ${run.workload} from epoch ${from.epoch} (ops done per vCPU: ${from.opsDone.join(', ')})`);
      let frontend: KvFrontend | null = null;
      let net: GuestNet | null = null;
      let servingAt: number | null = null;
      if (placeholder !== null) {
        const ring = allocateNetDevice();
        const fe = (frontend = new KvFrontend(new Int32Array(ring), false));
        await new Promise<void>((r) => placeholder!.server.close(() => r()));
        const served = await fe.listen('--serve', placeholder.bound);
        servingAt = Date.now();
        log(`failover: kvserver serving on ${formatAddress(served)}`);
        net = { netDevice: ring, onOutput: (c, t) => fe.output(-1, c, t) };
      }
      const done = await resumeGuest(image, { ...run, workload }, receiver.finalCommitted, net);
      frontend?.close();
      failover = { ...done, workload: run.workload, opsLimit: run.opsPerVcpu, servingAt };
      outcome = 'failover';
      log(`failover: ${run.workload} finished with result ${done.result} (${done.opsPerVcpu.join(', ')} ops per vCPU)`);
    }
  }
  placeholder?.server.close();
  const err = receiver.failure as (Error & { code?: string }) | null;
  const report: BackupReport = {
    role: 'backup', outcome, session: ended,
    refusedConnections: gate.refused + preludeFailures,
    committedEpoch: receiver.committedEpoch,
    epochsApplied: receiver.epochsApplied,
    finalCommitted: receiver.finalCommitted,
    imageCrc: receiver.imageCrc(),
    streamError: err === null ? null : { code: err.code ?? 'ERROR', message: err.message },
    failover,
  };
  const text = JSON.stringify(report, null, 2);
  if (cfg.stateDir !== null) {
    mkdirSync(cfg.stateDir, { recursive: true });
    writeFileSync(join(cfg.stateDir, 'backup-report.json'), text + '\n');
  }
  if (cfg.json === '-') process.stdout.write(text + '\n');
  else if (cfg.json !== null) writeFileSync(cfg.json, text + '\n');
  return outcome === 'failed' || outcome === 'fenced' || ended.end === 'stream-error' ? 1 : 0;
}
