// `hbft backup --listen ADDR`: receive one primary's checkpoint stream, keep the last
// committed image, ack each epoch; when the primary dies, resume the guest from that
// image and run it to completion (DESIGN 8).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { resumeGuest, resumedFrom, type FailoverOutcome, type GuestNet } from '../backup/failover.js';
import { KvFrontend } from '../net/kv-frontend.js';
import { allocateNetDevice } from '../run/net-device.js';
import { BackupReceiver } from '../backup/receiver.js';
import { runSession, type SessionOutcome } from '../backup/backup-session.js';
import { formatAddress, parseAddress } from '../net/address.js';
import { listenOn } from '../net/listen.js';
import { resolveMaxClients } from './backup-options.js';
import { ConfigError } from './config-error.js';
import { parseFlags } from './config.js';
import { parseCount } from './units.js';

const FLAGS = {
  listen: { type: 'string' },
  'state-dir': { type: 'string' },
  'heartbeat-ms': { type: 'string' },
  serve: { type: 'string' },
  json: { type: 'string' },
  'no-failover': { type: 'boolean' },
  'max-clients': { type: 'string' },
} as const;

export interface BackupReport {
  readonly role: 'backup';
  /** clean: END received; failover: guest resumed and finished; failed: nothing to resume. */
  readonly outcome: 'clean' | 'failover' | 'failed' | 'kept';
  readonly session: SessionOutcome;
  readonly committedEpoch: number;
  readonly epochsApplied: number;
  readonly finalCommitted: boolean;
  readonly imageCrc: number;
  readonly streamError: { code: string; message: string } | null;
  readonly failover: (FailoverOutcome & { workload: string; opsLimit: number | null; servingAt: number | null }) | null;
}

export async function backupCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, FLAGS);
  if (positionals.length > 0) throw new ConfigError(positionals[0]!, 'unexpected argument');
  if (values.listen === undefined) throw new ConfigError('--listen', 'required: HOST:PORT or unix:PATH');
  const addr = parseAddress('--listen', values.listen as string, true);
  const heartbeatMs = values['heartbeat-ms'] === undefined ? null : parseCount('--heartbeat-ms', values['heartbeat-ms'] as string, 1, 3_600_000);
  const json = (values.json as string | undefined) ?? null;
  const stateDir = (values['state-dir'] as string | undefined) ?? null;
  const serve = values.serve === undefined ? null : parseAddress('--serve', values.serve as string, true);
  const maxClients = resolveMaxClients(values, serve);
  let servingAt: number | null = null;
  const log = (line: string) => process.stderr.write(`hbft backup: ${line}\n`);

  let first: ((s: Socket) => void) | null = null;
  const connected = new Promise<Socket>((resolve) => (first = resolve));
  const { server, bound } = await listenOn('--listen', addr, (s) => {
    if (first === null) {
      log(`refusing a second connection from ${s.remoteAddress ?? 'a unix peer'}`);
      s.destroy();
      return;
    }
    const take = first;
    first = null;
    take(s);
  });
  process.stdout.write(`hbft backup: listening on ${formatAddress(bound)}\n`);
  const socket = await connected;
  server.close();
  const receiver = new BackupReceiver();
  const session = await runSession(socket, receiver, { heartbeatMs, log });
  const image = receiver.image;
  log(`primary session ended (${session.end}: ${session.detail}); committed epoch ${receiver.committedEpoch}`);

  let outcome: BackupReport['outcome'] = 'failed';
  let failover: BackupReport['failover'] = null;
  if (session.end === 'end') outcome = 'clean';
  else if (image === null || receiver.device === null) log('no committed epoch: nothing to resume');
  // A refused stream comes from a live primary: resuming would run the guest twice.
  else if (values['no-failover'] || session.end === 'stream-error') outcome = 'kept';
  else {
    const run = receiver.device.run;
    const from = resumedFrom(image, receiver.finalCommitted);
    log(`failover: resuming ${run.workload} from epoch ${from.epoch} (ops done per vCPU: ${from.opsDone.join(', ')})`);
    let frontend: KvFrontend | null = null;
    let net: GuestNet | null = null;
    if (serve !== null) {
      const ring = allocateNetDevice();
      const fe = (frontend = new KvFrontend(new Int32Array(ring), false, { maxClients }));
      const bound = await fe.listen('--serve', serve);
      servingAt = Date.now();
      log(`failover: kvserver serving on ${formatAddress(bound)}`);
      net = { netDevice: ring, onOutput: (c, t) => fe.output(-1, c, t) };
    }
    const done = await resumeGuest(image, run, receiver.finalCommitted, net);
    frontend?.close();
    failover = { ...done, workload: run.workload, opsLimit: run.opsPerVcpu, servingAt };
    outcome = 'failover';
    log(`failover: ${run.workload} finished with result ${done.result} (${done.opsPerVcpu.join(', ')} ops per vCPU)`);
  }
  const err = receiver.failure as (Error & { code?: string }) | null;
  const report: BackupReport = {
    role: 'backup', outcome, session,
    committedEpoch: receiver.committedEpoch,
    epochsApplied: receiver.epochsApplied,
    finalCommitted: receiver.finalCommitted,
    imageCrc: receiver.imageCrc(),
    streamError: err === null ? null : { code: err.code ?? 'ERROR', message: err.message },
    failover,
  };
  const text = JSON.stringify(report, null, 2);
  if (stateDir !== null) {
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(join(stateDir, 'backup-report.json'), text + '\n');
  }
  if (json === '-') process.stdout.write(text + '\n');
  else if (json !== null) writeFileSync(json, text + '\n');
  return outcome === 'failed' || session.end === 'stream-error' ? 1 : 0;
}
