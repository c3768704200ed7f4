import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null = null;

/**
 * Collect garbage now, so that the SharedArrayBuffers of a finished run (guest RAM, the
 * in-process backup's mirror) go back to the kernel. V8 counts their bytes toward no
 * heap limit, so nothing else prompts a collection: a process that runs many VMs one
 * after another (`hbft compare`, the benchmarks) held every run's RAM until it was
 * killed for it (a 2 GiB guest run five times kept 10 GiB). `gc` is reached through a
 * fresh context once --expose-gc is set, as Node documents for v8.setFlagsFromString.
 */
export function releaseSharedMemory(): void {
  if (collect === null) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
}
