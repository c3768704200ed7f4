// Output commit (docs/design.md, Output commit): guest output produced in epoch e is held until the backup
// acks epoch e, so no client sees a reply the backup could not reproduce. Without
// output commit (--no-output-commit), or once the backup is lost, output goes out at once.
export interface HeldOutput<T> {
  readonly epoch: number;
  readonly item: T;
}

export class OutputBuffer<T> {
  private held: HeldOutput<T>[] = [];
  /** Every epoch up to this one is acked. */
  private acked = -1;
  released = 0;

  constructor(private readonly emit: (item: T) => void, private readonly commit: boolean) {}

  /** Output from a guest running epoch `epoch`; FIFO order is kept. */
  push(epoch: number, item: T): void {
    if (!this.commit || (epoch <= this.acked && this.held.length === 0)) {
      this.released++;
      this.emit(item);
    } else this.held.push({ epoch, item });
  }

  /** The backup acked `epoch` (Infinity: backup lost, nothing left to wait for). */
  ack(epoch: number): void {
    if (epoch > this.acked) this.acked = epoch;
    let n = 0;
    while (n < this.held.length && this.held[n]!.epoch <= this.acked) n++;
    if (n === 0) return;
    const out = this.held.slice(0, n);
    this.held = this.held.slice(n);
    for (const o of out) {
      this.released++;
      this.emit(o.item);
    }
  }

  get pending(): number {
    return this.held.length;
  }
}
