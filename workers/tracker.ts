// Thin tracker thread: service faults from every vCPU mailbox (src/tracking/tracker-loop).
import { parentPort, workerData } from 'node:worker_threads';
import { attachVm } from '../src/vm/vm-buffers.js';
import { markThreadForProf, startCpuProfile } from '../src/metrics/cpu-profile.js';
import type { ThreadMessage, TrackerWorkerData } from '../src/run/protocol.js';
import { createPolicy } from '../src/tracking/modes.js';
import { runTracker } from '../src/tracking/tracker-loop.js';

const d = workerData as TrackerWorkerData;
markThreadForProf('tracker');
const profiler = d.cpuProf === null ? null : await startCpuProfile(d.cpuProf, 'tracker');
const vm = attachVm(d.vm);
const serviced = runTracker(vm.ctrl, vm.vcpus, createPolicy(d.mode, vm, { predictor: d.predictor }), d.spin);
parentPort!.postMessage({ type: 'tracker-done', serviced } satisfies ThreadMessage);
await profiler?.stop();
