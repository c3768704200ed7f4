import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../../src/cli/progress.js';

/** A stream that keeps what is written; `tty` makes it claim to be a terminal. */
function captureStream(tty: boolean): { stream: NodeJS.WriteStream; written: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, { isTTY: tty, columns: 120 });
  return { stream, written: () => chunks.join('') };
}

function drive(stream: NodeJS.WriteStream, quiet: boolean, total?: number): void {
  const p = createProgress({ label: 'run', quiet, stream, total });
  p.update({ workload: 'zipf', mode: 'wfp' });
  for (let epoch = 1; epoch <= 5; epoch++) p.update({ epoch });
  p.stop();
  p.stop();
}

describe('createProgress', () => {
  it.each([
    ['not a TTY', false, false],
    ['not a TTY, no total', false, false, undefined],
    ['quiet on a TTY', true, true],
  ])('writes nothing when %s', (_name, tty, quiet, total: number | undefined = 10) => {
    const { stream, written } = captureStream(tty);
    drive(stream, quiet, total);
    expect(written()).toBe('');
  });

  it('shows label, workload, mode and epochs on a TTY', () => {
    const { stream, written } = captureStream(true);
    drive(stream, false, 10);
    const out = written();
    expect(out).toContain('run zipf/wfp');
    expect(out).toContain('epoch 5/10');
    expect(out).toContain('elapsed');
  });

  it('counts epochs without a total', () => {
    const { stream, written } = captureStream(true);
    drive(stream, false);
    expect(written()).toContain('epoch 5 |');
  });
});
