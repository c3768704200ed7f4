// Thin tracker thread: service faults from every vCPU mailbox (src/tracking/tracker-loop).
import { workerData } from 'node:worker_threads';
import { attachVm } from '../src/vm/vm-buffers.js';
import { markThreadForProf, startCpuProfile } from '../src/metrics/cpu-profile.js';
import type { TrackerWorkerData } from '../src/run/protocol.js';
import { createFaultHandler } from '../src/tracking/modes.js';
import { runTracker } from '../src/tracking/tracker-loop.js';
import { warmUpTrackerService } from '../src/tracking/warm-up.js';
import { faultHandlerFor } from '../src/epoch/background-copy.js';

const d = workerData as TrackerWorkerData;
markThreadForProf('tracker');
const profiler = d.cpuProf === null ? null : await startCpuProfile(d.cpuProf, 'tracker');
const vm = attachVm(d.vm);
warmUpTrackerService(d.mode, vm.vcpus);
runTracker(vm.ctrl, vm.vcpus, faultHandlerFor(createFaultHandler(d.mode, vm), vm, d.background), d.spin, d.idleMs);
await profiler?.stop();
