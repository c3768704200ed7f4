// npm run bench [-- --only NAME,NAME] [--json results/bench.json] [--reps N]
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import type { Benchmark, BenchRow } from './lib/bench.js';
import { BENCHMARKS } from './suite.js';

const MIN_REPS = 5;

function formatTable(rows: readonly BenchRow[]): string {
  const cells = rows.map((r) => [
    r.name,
    r.value === null ? '-' : `${r.value} ${r.unit}`,
    r.spread === null ? '-' : `[${r.spread[0]}, ${r.spread[1]}]`,
    r.goal,
    r.met === null ? (r.value === null ? 'skipped' : '-') : r.met ? 'met' : 'NOT met',
    r.note ?? '',
  ]);
  const head = ['benchmark', 'median', 'spread [min, max]', 'goal', 'status', 'note'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i])).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { only: { type: 'string' }, json: { type: 'string' }, reps: { type: 'string' } },
    strict: true,
  });
  const reps = values.reps === undefined ? MIN_REPS : Number(values.reps);
  if (!Number.isInteger(reps) || reps < MIN_REPS) throw new RangeError(`--reps: at least ${MIN_REPS}, got ${values.reps}`);
  let chosen: Benchmark[] = BENCHMARKS;
  if (values.only !== undefined) {
    const want = values.only.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = want.filter((w) => !BENCHMARKS.some((b) => b.name === w));
    if (unknown.length > 0) throw new RangeError(`--only: unknown benchmark ${unknown.join(', ')} (one of ${BENCHMARKS.map((b) => b.name).join(', ')})`);
    chosen = BENCHMARKS.filter((b) => want.includes(b.name));
  }
  const rows: BenchRow[] = [];
  const t0 = performance.now();
  for (const b of chosen) {
    const load = loadavg()[0].toFixed(2);
    process.stdout.write(`# ${b.name} (load ${load})\n`);
    const tb = performance.now();
    const got = await b.run({ reps, log: (l) => process.stdout.write(l + '\n') });
    rows.push(...got);
    process.stdout.write(`${formatTable(got)}\n(${((performance.now() - tb) / 1000).toFixed(1)} s)\n\n`);
  }
  process.stdout.write(`${formatTable(rows)}\n`);
  process.stdout.write(`total ${((performance.now() - t0) / 1000).toFixed(1)} s, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  if (values.json !== undefined) {
    mkdirSync(dirname(values.json), { recursive: true });
    writeFileSync(values.json, JSON.stringify(rows, null, 2) + '\n');
    process.stdout.write(`wrote ${values.json}\n`);
  }
  return 0;
}

process.exitCode = await main();
