// Thin copier thread: copies its claimed chunks of each pause copy (src/epoch/parallel-copy.ts).
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { CopierWorkerData } from '../src/epoch/copier-threads.js';
import { createCopyEngine } from '../src/epoch/copy-engine.js';
import { warmUpCopy } from '../src/epoch/copy-warm-up.js';
import { attachCopyBoard, runCopier, type CopyJobMessage } from '../src/epoch/parallel-copy.js';
import { markThreadForProf } from '../src/metrics/cpu-profile.js';

const d = workerData as CopierWorkerData;
markThreadForProf(`copier-${d.index}`);
warmUpCopy(d.copy);
runCopier(attachCopyBoard(d.board), createCopyEngine(d.copy, d.ram), () => receiveMessageOnPort(d.jobs)?.message as CopyJobMessage | undefined);
d.jobs.close();
