// The backup's receiver state machine (docs/design.md, Backup, stream and link): the stream decoder stages the epoch in
// flight; only an epoch whose CHECKPOINT arrived whole and verified reaches apply(),
// which checks it against the committed image before copying a byte. Any fault leaves
// the committed image as it was and fails the receiver for good (one line, naming the
// record and offset).
import { PAGE_SIZE } from '../vm/layout.js';
import { StreamDecoder, type DecodedEpoch } from '../stream/decoder.js';
import { crcUpdate } from '../stream/checksum.js';
import { BackupError, BackupImage } from '../replica/backup-image.js';
import { decodeDeviceState, type DeviceState, type GuestRunConfig } from '../replica/device-state.js';

export type ReceiverState = 'receiving' | 'finished' | 'failed';

export interface ReceiverEvents {
  /** Epoch `epoch` is committed: ack it. */
  committed?(epoch: number): void;
}

export interface ReceiverLimits {
  /** Largest guest accepted (--max-mem in pages); also caps the staging of any epoch. */
  readonly maxPages: number;
  /** The run the stream describes may be refused (workload not allowed): throws BackupError. */
  readonly checkRun?: (run: GuestRunConfig) => void;
}

/** 4 GiB, the primary's own --mem limit. */
export const DEFAULT_MAX_PAGES = (4 * 2 ** 30) / PAGE_SIZE;
export const DEFAULT_RECEIVER_LIMITS: ReceiverLimits = { maxPages: DEFAULT_MAX_PAGES };

export class BackupReceiver {
  image: BackupImage | null = null;
  device: DeviceState | null = null;
  finalCommitted = false;
  state: ReceiverState = 'receiving';
  failure: Error | null = null;
  /** Epochs applied; also the count of ACKs owed. */
  epochsApplied = 0;
  private readonly decoder: StreamDecoder;

  constructor(readonly events: ReceiverEvents = {}, private readonly limits: ReceiverLimits = DEFAULT_RECEIVER_LIMITS) {
    this.decoder = new StreamDecoder({
      onEpoch: (e) => this.apply(e),
      pfnLimit: () => this.image?.pages ?? limits.maxPages,
      basePage: (pfn) => (this.image !== null && pfn < this.image.pages ? this.image.ram.subarray(pfn * PAGE_SIZE, (pfn + 1) * PAGE_SIZE) : undefined),
    });
  }

  get committedEpoch(): number {
    return this.image?.committedEpoch ?? -1;
  }

  /** Stream bytes in any split. Returns false once the receiver has failed. */
  feed(bytes: Uint8Array): boolean {
    if (this.state !== 'receiving') return this.failure === null;
    try {
      this.decoder.feed(bytes);
      if (this.decoder.finished) this.state = 'finished';
    } catch (e) {
      this.fail(e as Error);
    }
    return this.failure === null;
  }

  /** The connection ended: a stream without END is truncated (the partial epoch is dropped). */
  end(): void {
    if (this.state !== 'receiving') return;
    try {
      this.decoder.end();
    } catch (e) {
      this.fail(e as Error);
    }
  }

  /** Fail from outside (link framing, heartbeat timeout). */
  fail(e: Error): void {
    if (this.state === 'failed') return;
    this.state = 'failed';
    this.failure = e;
  }

  /** CRC-32 over committed RAM and contexts: lets tests prove the image unchanged. */
  imageCrc(): number {
    if (this.image === null) return 0;
    let crc = crcUpdate(0, this.image.ram);
    for (const c of this.image.contexts) crc = crcUpdate(crc, new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
    return crc;
  }

  private apply(e: DecodedEpoch): void {
    if (!e.hbft) throw new BackupError('FOREIGN_STREAM', `epoch ${e.index}: no hbft-emu entries; nothing to resume from`);
    if (e.deviceState === undefined) throw new BackupError('NO_DEVICE_STATE', `epoch ${e.epoch}: DEVICE_STATE missing`);
    const device = decodeDeviceState(e.deviceState, e.epoch);
    if (device.run.pages !== e.guestPages || device.run.vcpus !== e.contexts.length) {
      throw new BackupError('GEOMETRY', `epoch ${e.epoch}: run config (${device.run.pages} pages, ${device.run.vcpus} vCPUs) does not match the epoch`);
    }
    if (e.guestPages > this.limits.maxPages) {
      throw new BackupError('GEOMETRY', `epoch ${e.epoch}: guest of ${e.guestPages} pages exceeds this backup's --max-mem (${this.limits.maxPages} pages)`);
    }
    if (this.image === null) {
      // The full copy: every page, or the committed image would hold zeros the guest never had.
      if (e.pfns.length !== e.guestPages) throw new BackupError('INCOMPLETE_FULL_COPY', `epoch ${e.epoch}: carries ${e.pfns.length} of the guest's ${e.guestPages} pages; the first epoch must carry all`);
      this.limits.checkRun?.(device.run);
    } else if (JSON.stringify(device.run) !== JSON.stringify(this.device!.run)) {
      throw new BackupError('BAD_DEVICE_STATE', `epoch ${e.epoch}: run config changed from epoch ${this.image.committedEpoch}`);
    }
    const image = this.image ?? new BackupImage(e.guestPages, e.contexts.length);
    image.apply(e); // checks order, geometry and pfns before copying anything
    this.image = image;
    this.device = device;
    this.finalCommitted = e.final;
    this.epochsApplied++;
    this.events.committed?.(e.epoch);
  }
}
