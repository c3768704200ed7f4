import { Worker } from 'node:worker_threads';

/**
 * A scripted partner thread over one SharedArrayBuffer: `body` is the source of a
 * function (ctrl: Int32Array, data) => void run in a worker, standing in for the vCPUs
 * (or the checkpointer) so a handshake is tested against a real second thread. Resolves
 * when the script returns; rejects on its error or after `timeoutMs` (hard timeout).
 */
export function runPartner(ctrl: Int32Array, body: string, data: unknown, timeoutMs = 10_000): Promise<void> {
  const code = `const { workerData } = require('node:worker_threads');
const ctrl = new Int32Array(workerData.sab);
(${body})(ctrl, workerData.data);`;
  const w = new Worker(code, { eval: true, workerData: { sab: ctrl.buffer, data } });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void w.terminate();
      reject(new Error(`scripted partner did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    w.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    w.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`scripted partner exited with code ${code}`));
    });
  });
}
