import type { Benchmark } from './lib/bench.js';
import { accessPath } from './access-path.js';
import { copyBound } from './copy-bound.js';
import { copyMethods } from './copy-methods.js';
import { emulationTax } from './emulation-tax.js';
import { exitCost } from './exit-cost.js';
import { faultService } from './fault-service.js';
import { memory } from './memory.js';
import { modeOrdering, twoVcpus } from './mode-ordering.js';
import { pauseCopy } from './pause-copy.js';
import { quiesce } from './quiesce.js';
import { trackingPause } from './tracking-pause.js';
import { ramScaling } from './ram-scaling.js';
import { redis } from './redis.js';
import { vcpuScaling } from './vcpu-scaling.js';

/** Every benchmark, in the order `npm run bench` runs them (names are --only's). */
export const BENCHMARKS: Benchmark[] = [
  emulationTax, faultService, accessPath, pauseCopy, copyMethods, trackingPause, quiesce, ramScaling, vcpuScaling, modeOrdering, twoVcpus, exitCost, copyBound, memory, redis,
];
