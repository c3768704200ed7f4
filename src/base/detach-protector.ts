/**
 * Detach one scratch ArrayBuffer, at a thread's start. Until some buffer in a thread is
 * detached, V8 compiles typed-array code without detach checks; at the first detach it
 * throws all of that code away at once (its ArrayBufferDetaching protector), and every
 * hot function runs unoptimized until it is compiled again. The checkpointer detaches a
 * buffer with every epoch it posts (the pages go to main by transfer), so that cost
 * landed in the pause after its first epoch, in its collect, reset and copy code. Paid
 * before the run, every pause is alike. (`node --trace-deopt` lists that code under
 * "code dependencies" without this, and not with it.)
 */
export function detachOnceAtStart(): void {
  const scratch = new ArrayBuffer(8);
  structuredClone(scratch, { transfer: [scratch] });
}
