import type { Benchmark } from './lib/bench.js';
import { emulationTax } from './emulation-tax.js';

/** Every benchmark, in the order `npm run bench` runs them. */
export const BENCHMARKS: Benchmark[] = [emulationTax];
