// Thin checkpointer thread: pause, collect, copy, reset, resume each epoch (src/checkpoint).
import { parentPort, workerData } from 'node:worker_threads';
import { Checkpointer } from '../src/checkpoint/checkpointer.js';
import { runEpochs } from '../src/checkpoint/checkpointer-loop.js';
import { createCopyEngine } from '../src/checkpoint/copy-engine.js';
import { attachVm } from '../src/memory/vm-buffers.js';
import { encodeHistogram, newHistogram, recordUs } from '../src/metrics/histograms.js';
import type { CheckpointerWorkerData, ThreadMessage } from '../src/run/protocol.js';
import { createPolicy } from '../src/tracking/modes.js';

const d = workerData as CheckpointerWorkerData;
const post = (m: ThreadMessage, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(m, transfer);
const vm = attachVm(d.vm);
const now = () => performance.now();
const policy = createPolicy(d.mode, vm, { predictor: d.predictor });
const cp = new Checkpointer(vm, policy, createCopyEngine(d.copy, d.vm.ram), d.verify, now);
const pause = newHistogram();
const quiesce = newHistogram();
const copy = newHistogram();

runEpochs(vm.ctrl, vm.vcpus, cp, {
  epochMs: d.epochMs, pauseTimeoutMs: d.pauseTimeoutMs, startTimeoutMs: 600_000, firstEpoch: d.firstEpoch,
  maxInFlight: d.maxInFlight, ackTimeoutMs: d.ackTimeoutMs,
}, {
  // The staging area moves to main without a copy.
  epoch: (image, record) => post({ type: 'epoch', image, record }, [image.pages.buffer as ArrayBuffer]),
  pause: (us) => recordUs(pause, us),
  quiesce: (us) => recordUs(quiesce, us),
  copy: (us) => recordUs(copy, us),
}, now);

post({ type: 'checkpointer-done', pauseHist: encodeHistogram(pause), quiesceHist: encodeHistogram(quiesce), copyHist: encodeHistogram(copy) });
