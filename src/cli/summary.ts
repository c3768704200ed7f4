import type { RunResults } from '../metrics/results.js';

/** The short human summary `hbft run` prints. */
export function formatSummary(r: RunResults): string {
  const lines = [
    `${r.workload.name} under ${r.mode}: ${fmt(r.throughput.opsPerSec)} ops/s over ${(r.durationMs / 1000).toFixed(2)} s (${fmt(r.workload.ops)} ops), result ${r.workload.result}${verifiedNote(r.workload.verified)}`,
  ];
  if (r.mode !== 'native') {
    lines.push(
      `epochs ${r.epochs}; pause p50 ${r.pauseUs.p50} us, p99 ${r.pauseUs.p99} us, max ${r.pauseUs.max} us; quiesce p99 ${r.quiesceUs.p99} us; copy p99 ${r.copyUs.p99} us`,
      `faults read ${fmt(r.faults.read)}, write ${fmt(r.faults.write)}; fault service p50 ${r.faultServiceUs.p50} us, p99 ${r.faultServiceUs.p99} us`,
      `dirty pages per epoch mean ${r.dirtyPages.perEpoch.mean}, p50 ${r.dirtyPages.perEpoch.p50}, p99 ${r.dirtyPages.perEpoch.p99}, max ${r.dirtyPages.perEpoch.max} (total ${fmt(r.dirtyPages.total)})`,
      ...backgroundCopyLine(r),
      `backup: ${r.backup.committedEpochs} epochs committed${r.backup.consistent === null ? '' : r.backup.consistent ? ', consistent with the primary at every commit' : ', INCONSISTENT'}`,
    );
  }
  return lines.join('\n');
}

/** --copy-at background: how long the copies after the resume took, and the writes that waited for one. */
function backgroundCopyLine(r: RunResults): string[] {
  const copied = r.epochLog.filter((e) => e.backgroundCopyUs !== undefined);
  if (copied.length === 0) return [];
  const us = copied.map((e) => e.backgroundCopyUs!).sort((a, b) => a - b);
  const cow = copied.reduce((n, e) => n + (e.faultsCow ?? 0), 0);
  return [`background copy after the resume p50 ${us[us.length >>> 1]} us, max ${us[us.length - 1]} us; ${fmt(cow)} writes copied their page first`];
}

function verifiedNote(v: boolean | null): string {
  return v === null ? '' : v ? ' (verified)' : ' (VERIFICATION FAILED)';
}

export function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A plain fixed-width table. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
