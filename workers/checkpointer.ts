// Thin checkpointer thread: pause, collect, reset, copy, resume each epoch (src/epoch).
import { availableParallelism } from 'node:os';
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { detachOnceAtStart } from '../src/base/detach-protector.js';
import { Checkpointer } from '../src/epoch/checkpointer.js';
import { BackgroundCopy } from '../src/epoch/background-copy.js';
import { runEpochs } from '../src/epoch/epoch-protocol.js';
import { startCopierThreads } from '../src/epoch/copier-threads.js';
import { copiersJoinHelpedCopies } from '../src/epoch/parallel-copy.js';
import { createCopyEngine } from '../src/epoch/copy-engine.js';
import { StagingPool } from '../src/epoch/staging-pool.js';
import { attachVm } from '../src/vm/vm-buffers.js';
import { COPY_SPLIT_MIN_PAGES } from '../src/vm/layout.js';
import { markThreadForProf, startCpuProfile } from '../src/metrics/cpu-profile.js';
import { recordUs } from '../src/metrics/histograms.js';
import { IntervalHistograms } from '../src/metrics/interval-histograms.js';
import { wallMs, type CheckpointerWorkerData, type ThreadMessage } from '../src/run/protocol.js';
import { createPolicy } from '../src/tracking/modes.js';
import { warmUpTracking } from '../src/tracking/warm-up.js';
import { warmUpCopy } from '../src/epoch/copy-warm-up.js';

// Before anything is compiled hot (src/base/detach-protector.ts).
detachOnceAtStart();

const d = workerData as CheckpointerWorkerData;
markThreadForProf('checkpointer');
const profiler = d.cpuProf === null ? null : await startCpuProfile(d.cpuProf, 'checkpointer');
const post = (m: ThreadMessage, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(m, transfer);
const vm = attachVm(d.vm);
const now = () => performance.now();
const COPIERS_READY_MS = 10_000;
// Started first, so they boot while this thread warms up. Copies a parked vCPU helps with
// (it announces itself on main's board) are joined only where cores are left.
const inMirrorCopies = copiersJoinHelpedCopies(availableParallelism(), d.copyThreads);
const copiers = d.copyThreads > 0
  ? startCopierThreads(d.copyThreads, d.vm.ram, d.copy, COPY_SPLIT_MIN_PAGES, d.copyBoard ?? undefined, inMirrorCopies)
  : null;
warmUpTracking(d.mode, d.predictor);
warmUpCopy(d.copy);
const policy = createPolicy(d.mode, vm, { predictor: d.predictor });
// This thread never yields to its event loop: poll the return port synchronously.
const refill = () => receiveMessageOnPort(d.stagingReturn)?.message as ArrayBufferLike | undefined;
// Copier threads write into the staging buffers too, so those are shared then.
const staging = copiers === null ? new StagingPool(refill) : new StagingPool(refill, (bytes) => new SharedArrayBuffer(bytes));
const mirror = d.mirror === null ? null : new Uint8Array(d.mirror);
const background = d.background === undefined ? null : new BackgroundCopy(vm, d.background);
const cp = new Checkpointer(vm, policy, copiers?.engine ?? createCopyEngine(d.copy, d.vm.ram), d.verify, now, staging, mirror, background);
const grid = d.intervals;
const hists = new IntervalHistograms(['pause', 'quiesce', 'copy'], grid?.intervalMs ?? null, () => wallMs() - (grid?.runStartWallMs ?? 0));
const { pause, quiesce, copy } = hists.current;

runEpochs(vm.ctrl, vm.vcpus, cp, {
  epochMs: d.epochMs, pauseTimeoutMs: d.pauseTimeoutMs, startTimeoutMs: 600_000,
  maxInFlight: d.maxInFlight, ackTimeoutMs: d.ackTimeoutMs, wallOffset: performance.timeOrigin,
  // After the guest's own start, which the copiers boot beside; the guest waits parked.
  beforeEpochZero: () => copiers?.engine.awaitCopiers(COPIERS_READY_MS),
}, {
  epoch: (image, record) => {
    // The staging area moves to main without a copy (epoch 0 is a view of shared guest
    // RAM; a mirrored epoch's pages are empty).
    post({ type: 'epoch', image, record }, image.pages.buffer instanceof ArrayBuffer ? [image.pages.buffer] : []);
    // After the vCPUs resumed, so a rotation never lengthens a pause.
    const intervals = hists.rotateIfDue();
    if (intervals.length > 0) post({ type: 'hdr-intervals', intervals });
  },
  pause: (us) => recordUs(pause, us),
  quiesce: (us) => recordUs(quiesce, us),
  copy: (us) => recordUs(copy, us),
}, now);

d.stagingReturn.close();
await copiers?.stop();
if (grid !== null) post({ type: 'hdr-intervals', intervals: hists.finish() });
const totals = hists.encodedTotals();
post({ type: 'checkpointer-done', pauseHist: totals.pause, quiesceHist: totals.quiesce, copyHist: totals.copy });
hists.destroy();
await profiler?.stop();
