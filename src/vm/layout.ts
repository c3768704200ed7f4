// Every shared-buffer offset, control-block index, shadow-entry bit and size lives here;
// buffer sizes are derived from these constants (docs/design.md, Shared memory).

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_MASK = PAGE_SIZE - 1;
export const WORDS_PER_PAGE = PAGE_SIZE >>> 2;

// Shadow entry bits (one byte per guest page).
export const SPT_P = 1; // present: loads allowed
export const SPT_W = 2; // writable
export const SPT_D = 4; // dirty, set by the vCPU like a hardware dirty bit
export const SPT_PWD = SPT_P | SPT_W | SPT_D;
export const SPT_PW = SPT_P | SPT_W;

// Fault kinds posted to a vCPU's mailbox.
export const FAULT_READ = 1;
export const FAULT_WRITE = 2;
// A full PML ring (pml mode) is an exit to the tracker too.
export const FAULT_PML_FULL = 3;
export type FaultKind = typeof FAULT_READ | typeof FAULT_WRITE | typeof FAULT_PML_FULL;

// Request bits in CTRL_REQ, read by vCPUs at each step boundary.
export const REQ_PAUSE = 1;
export const REQ_STOP = 2;

// Control block: global words, then one record of VCPU_STRIDE words per vCPU.
export const CTRL_EPOCH = 0; // epoch currently running (0 = the initial full copy)
export const CTRL_REQ = 1; // REQ_PAUSE | REQ_STOP
export const CTRL_RESUME_SEQ = 2; // bumped by the checkpointer to release parked vCPUs
export const CTRL_PARKED = 3; // vCPUs parked or finished; the checkpointer waits on it
export const CTRL_FINISHED = 4; // vCPUs finished
export const CTRL_DOORBELL = 5; // bumped by a vCPU posting a fault; the tracker waits on it
export const CTRL_TRACKER_STOP = 6; // 1 tells the tracker to exit
export const CTRL_FAULTS_READ = 7; // faults serviced this epoch (reset by the checkpointer)
export const CTRL_FAULTS_WRITE = 8;
export const CTRL_FAULTS_PML_FULL = 9;
// 1 while the backup takes the initial image straight from guest RAM; the checkpointer
// keeps the vCPUs parked until main clears it (no staging copy of all of RAM).
export const CTRL_INITIAL_HOLD = 10;
export const CTRL_TRACKER_SLEEPING = 11; // 1 while the tracker blocks on the doorbell
export const CTRL_ACKED = 12; // epochs the backup has acked (last acked epoch + 1); main stores it
// Non-zero while the guest runs: the tracker stays awake (spins) so a fault costs the same
// however long ago the last one was; 0 while a pause is under way or the guest is parked
// or finished, when it sleeps. The checkpointer clears it when it requests a pause and
// stores a fresh token (CTRL_TRACKER_GEN) before resuming; the tracker clears it itself
// (compare-exchange on its token) when it finds it has no core of its own.
export const CTRL_TRACKER_AWAKE = 13;
export const CTRL_TRACKER_GEN = 15;
// The fault handler's lock (inline fault path): 0 free, 1 held, 2 held with waiters.
export const CTRL_FAULT_LOCK = 14;
// Float64 slot of the control block (a Float64Array over the same buffer): the wall-clock
// ms (performance.timeOrigin + performance.now()) at which the running epoch ends. vCPUs
// park by themselves at the first step boundary past it, as a VMX preemption timer exits
// on the vCPU; Infinity with no timer epochs. Written only while every vCPU is parked.
export const CTRL_F64_DEADLINE = 8; // bytes 64..71, Int32 words 16 and 17
// --copy-at background: write faults that found their page not yet copied this epoch.
export const CTRL_FAULTS_COW = 18;
export const CTRL_GLOBAL_WORDS = 24;

export const VCPU_STATE = 0; // VcpuState
export const VCPU_MBOX_REQ = 1; // fault sequence number posted by the vCPU
export const VCPU_MBOX_PFN = 2;
export const VCPU_MBOX_KIND = 3;
export const VCPU_MBOX_RESP = 4; // sequence number answered by the tracker
export const VCPU_MBOX_WAITING = 5; // 1 while the vCPU blocks on RESP
// The last sequence number whose handler is decided: the tracker, or the vCPU that took
// its fault back, moves it from seq - 1 to seq with one compare-exchange; one of them wins.
export const VCPU_MBOX_CLAIM = 6;
// µs past the epoch deadline at which this vCPU last parked (its share of the quiesce).
export const VCPU_PARKED_LATE_US = 7;
export const VCPU_STRIDE = 8;

export const enum VcpuState {
  Running = 0,
  Parking = 1,
  Paused = 2,
  Finished = 3,
}

export function vcpuWord(vcpu: number, field: number): number {
  return CTRL_GLOBAL_WORDS + vcpu * VCPU_STRIDE + field;
}

export function ctrlWords(vcpus: number): number {
  return CTRL_GLOBAL_WORDS + vcpus * VCPU_STRIDE;
}

// vCPU context: Float64 registers, checkpointed with RAM. The first slots belong to the
// emulator, the rest to the workload (CTX_WORKLOAD onwards).
export const CTX_SLOTS = 64;
export const CTX_BYTES = CTX_SLOTS * 8;
export const CTX_OPS_DONE = 0; // guest operations completed: the vCPU's program counter
export const CTX_WORKLOAD = 8;
export const CTX_WORKLOAD_SLOTS = CTX_SLOTS - CTX_WORKLOAD;

// PML rings (pml mode), as Intel's page-modification log: per vCPU, the PML index word
// then PML_ENTRIES pfns. The index runs from PML_ENTRIES - 1 down to 0 (entry i is word
// 1 + i); a log attempted with the index out of range (-1: 512 logged since the last
// drain) is the log-full exit, taken before D is set.
export const PML_ENTRIES = 512;
export const PML_INDEX = 0;
export const PML_INDEX_EMPTY = PML_ENTRIES - 1;
export const PML_WORDS = 1 + PML_ENTRIES;

// Copy engines.
export const PER_PAGE_BATCH = 1024; // pages per foreign mapping in the per-page engine
export const SUPERPAGE_SIZE = 2 << 20; // bytes per region in the superpage engine
export const SUPERPAGE_PAGES = SUPERPAGE_SIZE >>> PAGE_SHIFT;

// Parallel copy (src/epoch/parallel-copy.ts): the job board the checkpointer shares with
// its copier threads, Int32 words, then the job's pfn list (one Uint32 per guest page).
export const COPY_JOB_SEQ = 0; // jobs posted (bumped last when posting; copiers wait on it)
export const COPY_JOB_RELEASED = 1; // jobs finished, summed over the copiers
export const COPY_JOB_PAGES = 2; // pages in the current job
export const COPY_JOB_NEXT_CHUNK = 3; // next unclaimed chunk of the current job
export const COPY_JOB_DONE_PAGES = 4; // pages copied so far (the checkpointer waits on it)
export const COPY_JOB_STOP = 5; // 1: copiers exit at the next wake-up
export const COPY_JOB_READY = 6; // copier threads warmed up and waiting for jobs
export const COPY_JOB_HELPER = 7; // 1 while a parked vCPU's thread helps with mirror jobs (helpWhileParked)
export const COPY_JOB_WORDS = 8;
export const COPY_CHUNK_PAGES = 128; // pages per claim: 512 KiB, about 0.1 ms of copy
export const COPY_SPLIT_MIN_PAGES = 1024; // smaller copies stay on the checkpointer alone (bench/README.md, parallel copy)
export const MAX_COPY_THREADS = 8;

export function bitmapWords(pages: number): number {
  return (pages + 31) >>> 5;
}
