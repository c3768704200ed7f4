// One primary's connection to the backup: link frames in, ACK/HEARTBEAT/NACK frames
// out, liveness by --heartbeat-ms. Resolves with why the session ended; the committed
// image is the receiver's, whatever happened to the connection.
import type { Socket } from 'node:net';
import { FRAME_ACK, FRAME_HEARTBEAT, FRAME_NACK, FRAME_SHUTDOWN, LinkDecoder, encodeFrame } from '../link/link-frames.js';
import { BackupReceiver } from './receiver.js';

export type SessionEnd =
  | 'end' // END after the final epoch: the primary shut down cleanly
  | 'connection-lost' // closed or reset without END
  | 'heartbeat-timeout' // nothing heard for --heartbeat-ms
  | 'stream-error' // the stream or its framing was refused
  | 'shutdown'; // this backup is shutting down cleanly (SIGTERM): it told the primary

export interface SessionOutcome {
  readonly end: SessionEnd;
  readonly detail: string;
  /** Wall-clock ms of the last byte heard, and of the verdict. */
  readonly lastHeardAt: number;
  readonly detectedAt: number;
}

export interface SessionOptions {
  /** Liveness timeout; null: 3 epoch intervals of the run (from its config), at least the floor. */
  readonly heartbeatMs: number | null;
  /** Called on a heartbeat timeout before the connection is closed (and so before the primary can react to it). */
  readonly onVerdict?: () => void;
  readonly log: (line: string) => void;
  /** Aborted: send SHUTDOWN (the primary may go on alone), close, end the session. */
  readonly shutdown?: AbortSignal;
}

/**
 * Floor of the default timeout: on a loaded 2-core host (4+ busy threads per run) the
 * primary's main thread was seen silent for over 150 ms, and a false verdict splits the
 * brain. A killed primary is detected at once by the closed connection anyway.
 */
export const HEARTBEAT_FLOOR_MS = 1000;
const NOMINAL_EPOCH_MS = 25;
/** Longest gap between the backup's heartbeats, whatever its own timeout. */
const MAX_BEAT_MS = 250;

export function defaultHeartbeatMs(epochMs: number | null): number {
  return Math.max(HEARTBEAT_FLOOR_MS, 3 * (epochMs ?? NOMINAL_EPOCH_MS));
}

export function runSession(socket: Socket, receiver: BackupReceiver, opts: SessionOptions): Promise<SessionOutcome> {
  return new Promise((resolve) => {
    let lastHeardAt = Date.now();
    let settled = false;
    const timeoutMs = () => opts.heartbeatMs ?? defaultHeartbeatMs(receiver.device?.run.epochMs ?? null);
    const settle = (end: SessionEnd, detail: string) => {
      if (settled) return;
      settled = true;
      clearInterval(watch);
      clearInterval(beat);
      opts.shutdown?.removeEventListener('abort', onShutdown);
      if (end !== 'end') receiver.end(); // a partial epoch is dropped, never applied
      resolve({ end, detail, lastHeardAt, detectedAt: Date.now() });
    };
    receiver.events.committed = (epoch) => {
      socket.write(encodeFrame({ kind: FRAME_ACK, epoch }));
      if (epoch === 0) opts.log(`committed epoch 0 (full copy: ${receiver.image!.pages} pages, ${receiver.image!.vcpus} vCPUs, ${receiver.device!.run.workload})`);
    };
    const link = new LinkDecoder({
      data: (bytes) => {
        if (!receiver.feed(bytes)) throw receiver.failure!;
      },
      heartbeat: () => {},
    });
    socket.on('data', (chunk: Buffer) => {
      if (settled) return;
      lastHeardAt = Date.now();
      try {
        link.feed(chunk);
      } catch (e) {
        const err = e as Error;
        receiver.fail(err);
        socket.end(encodeFrame({ kind: FRAME_NACK, epoch: receiver.committedEpoch + 1 }));
        settle('stream-error', err.message);
        return;
      }
      if (receiver.state === 'finished') {
        socket.end();
        settle('end', 'END after the final epoch');
      }
    });
    socket.on('error', (e) => settle('connection-lost', `socket error: ${e.message}`));
    socket.on('close', () => settle('connection-lost', 'connection closed without END'));
    // The watchdog checks a few times per timeout; its resolution bounds detection latency.
    // After a stall of this process timers run before pending socket reads: the verdict
    // waits for the poll phase, so bytes that did arrive are counted first.
    const watch = setInterval(() => {
      if (Date.now() - lastHeardAt <= timeoutMs()) return;
      setImmediate(() => {
        const quiet = Date.now() - lastHeardAt;
        if (settled || quiet <= timeoutMs()) return;
        settle('heartbeat-timeout', `nothing heard for ${quiet} ms (timeout ${timeoutMs()} ms)`);
        // The verdict's consequences (a witness claim) come before the close the primary sees.
        opts.onVerdict?.();
        socket.destroy();
      });
    }, Math.max(5, Math.floor((opts.heartbeatMs ?? HEARTBEAT_FLOOR_MS) / 5)));
    // Often enough for this side's timeout and for the primary's (--backup-timeout-ms, 2 s by default).
    const beat = setInterval(() => {
      if (!socket.destroyed) socket.write(encodeFrame({ kind: FRAME_HEARTBEAT, epoch: Math.max(0, receiver.committedEpoch) }));
    }, Math.max(5, Math.min(MAX_BEAT_MS, Math.floor(timeoutMs() / 3))));
    function onShutdown(): void {
      socket.end(encodeFrame({ kind: FRAME_SHUTDOWN, epoch: Math.max(0, receiver.committedEpoch) }));
      settle('shutdown', 'this backup is shutting down; the primary was told');
    }
    if (opts.shutdown?.aborted) onShutdown();
    else opts.shutdown?.addEventListener('abort', onShutdown, { once: true });
    socket.resume(); // left paused by the auth handshake, if there was one
  });
}
