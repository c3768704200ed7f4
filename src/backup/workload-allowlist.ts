// No code from the wire: the stream names the guest's workload, and the backup runs it
// only if it is a built-in or one of the modules on the backup's own command line
// (--workload-module). The resumed vCPUs get the backup's own path, never the stream's.
import { basename, resolve } from 'node:path';
import { BUILTIN_WORKLOADS, isCustomWorkload } from '../guest/workloads/registry.js';
import { BackupError } from '../replica/backup-image.js';

export class WorkloadAllowlist {
  private readonly modules: readonly string[];

  /** `modules`: paths from --workload-module, resolved against the backup's cwd. */
  constructor(modules: readonly string[]) {
    this.modules = modules.map((m) => resolve(m));
  }

  /** The name to run `wire` under; throws BackupError naming the refused workload. */
  resolve(wire: string): string {
    if (!isCustomWorkload(wire)) {
      if (Object.hasOwn(BUILTIN_WORKLOADS, wire)) return wire;
      throw new BackupError('WORKLOAD_REFUSED', `workload "${wire}" is not a built-in`);
    }
    // The primary's path is relative to its own cwd: match the full path, or the file name.
    const exact = this.modules.filter((m) => m === resolve(wire));
    const byName = exact.length > 0 ? exact : this.modules.filter((m) => basename(m) === basename(wire));
    if (byName.length === 1) return byName[0]!;
    if (byName.length > 1) throw new BackupError('WORKLOAD_REFUSED', `workload module "${wire}" matches ${byName.length} --workload-module files by name; give one`);
    throw new BackupError('WORKLOAD_REFUSED', `workload module "${wire}" from the stream is not among this backup's --workload-module files (${this.modules.length === 0 ? 'none given' : this.modules.join(', ')})`);
  }
}
