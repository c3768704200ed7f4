// The latency a client pays for protection, measured with a stock client: redis-benchmark
// (Debian's redis-tools) against the kvserver guest, unprotected, protected without output
// commit, and protected with output commit at 10, 25 and 50 ms epochs. Each repetition
// starts every configuration fresh (primary `hbft run`, and for the protected ones an
// `hbft backup` process over TCP), in rotated order.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPORT_ONLY, row, skipped, type Benchmark, type BenchRow } from './lib/bench.js';
import { redisChartSvg, type RedisBenchDoc } from './lib/redis-chart.js';

const CLI = join(import.meta.dirname, '../src/cli/main.js');
const CLIENTS = 16;
export const REDIS_BENCH_JSON = 'results/bench-redis.json';
export const REDIS_BENCH_SVG = 'results/bench-redis.svg';

interface RedisConfig {
  readonly name: string;
  readonly label: string;
  readonly protected: boolean;
  readonly outputCommit: boolean;
  readonly epochMs: number | null;
  /** Requests per test: sized so each test takes about a second (output commit caps a
   *  client at one request per epoch), keeping the group under 90 s. */
  readonly requests: number;
}

const CONFIGS: readonly RedisConfig[] = [
  { name: 'native', label: 'unprotected (native)', protected: false, outputCommit: false, epochMs: null, requests: 8000 },
  { name: 'no-oc-25ms', label: 'protected, no output commit, 25 ms', protected: true, outputCommit: false, epochMs: 25, requests: 8000 },
  { name: 'oc-10ms', label: 'protected, output commit, 10 ms', protected: true, outputCommit: true, epochMs: 10, requests: 1200 },
  { name: 'oc-25ms', label: 'protected, output commit, 25 ms', protected: true, outputCommit: true, epochMs: 25, requests: 600 },
  { name: 'oc-50ms', label: 'protected, output commit, 50 ms', protected: true, outputCommit: true, epochMs: 50, requests: 320 },
];
const TESTS = ['SET', 'GET'] as const;
type Test = (typeof TESTS)[number];

interface Sample { rps: number; p50: number; p99: number }

function start(args: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  return new Promise((resolve, reject) => {
    const look = (s: Buffer) => {
      text += s.toString();
      const m = ready.exec(text);
      if (m !== null) resolve({ child, match: m });
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    child.once('exit', (code) => reject(new Error(`hbft ${args[0]} exited (${code}) before ${ready}: ${text.slice(-500)}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** One config, one repetition: fresh processes, one redis-benchmark run of SET and GET. */
async function measure(c: RedisConfig): Promise<Record<Test, Sample>> {
  const procs: ChildProcess[] = [];
  try {
    const run = ['run', '--workload', 'kvserver', '--serve', '127.0.0.1:0', '--mem', '4MiB', '--duration', '120s', '--quiet'];
    if (c.protected) {
      const backup = await start(['backup', '--listen', '127.0.0.1:0', '--no-failover'], /listening on [^\s]+:(\d+)/);
      procs.push(backup.child);
      run.push('--backup', `tcp://127.0.0.1:${backup.match[1]}`, '--epoch-ms', String(c.epochMs));
      if (!c.outputCommit) run.push('--no-output-commit');
    } else run.push('--mode', 'native');
    const primary = await start(run, /kvserver serving on [^\s]+:(\d+)/);
    procs.unshift(primary.child);
    const port = primary.match[1]!;
    // Warm-up, not measured: the first replies wait for epoch 0 (all of RAM) to be acked.
    const warm = spawnSync('redis-benchmark', ['-h', '127.0.0.1', '-p', port, '-t', 'set', '-c', String(CLIENTS), '-n', String(CLIENTS * 4), '-q'], { encoding: 'utf8', timeout: 60_000 });
    if (warm.status !== 0) throw new Error(`redis-benchmark warm-up (${c.name}) exited ${warm.status}: ${warm.stderr}`);
    const bench = spawnSync('redis-benchmark', ['-h', '127.0.0.1', '-p', port, '-t', 'set,get', '-c', String(CLIENTS), '-n', String(c.requests), '--csv'], { encoding: 'utf8', timeout: 60_000 });
    if (bench.status !== 0) throw new Error(`redis-benchmark (${c.name}) exited ${bench.status}: ${bench.stderr}`);
    return parseCsv(bench.stdout, c.name);
  } finally {
    for (const p of procs) await stop(p); // primary first: its backup then sees the end
  }
}

/** redis-benchmark --csv: "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms" */
export function parseCsv(text: string, what: string): Record<Test, Sample> {
  const lines = text.trim().split('\n');
  const head = JSON.parse(`[${lines[0]}]`) as string[];
  const col = (name: string) => {
    const i = head.indexOf(name);
    if (i < 0) throw new Error(`redis-benchmark --csv (${what}): no column ${name} in ${lines[0]}`);
    return i;
  };
  const [rps, p50, p99] = [col('rps'), col('p50_latency_ms'), col('p99_latency_ms')];
  const out: Partial<Record<Test, Sample>> = {};
  for (const l of lines.slice(1)) {
    const cells = JSON.parse(`[${l}]`) as string[];
    if ((TESTS as readonly string[]).includes(cells[0]!)) out[cells[0] as Test] = { rps: Number(cells[rps]), p50: Number(cells[p50]), p99: Number(cells[p99]) };
  }
  for (const t of TESTS) if (out[t] === undefined) throw new Error(`redis-benchmark --csv (${what}): no ${t} row`);
  return out as Record<Test, Sample>;
}

export const redis: Benchmark = {
  name: 'redis',
  async run(ctx) {
    const names = CONFIGS.map((c) => c.name);
    const rowName = (t: Test, what: string, c: RedisConfig) => `redis ${t} ${what}: ${c.label}`;
    if (spawnSync('sh', ['-c', 'command -v redis-benchmark'], { encoding: 'utf8' }).status !== 0) {
      ctx.log('  skipping redis: redis-benchmark not installed (apt-get install redis-tools)');
      return CONFIGS.flatMap((c) => TESTS.map((t) => skipped(rowName(t, 'req/s', c), 'req/s', REPORT_ONLY, 'redis-benchmark not installed')));
    }
    const got: Record<string, Record<Test, Sample>[]> = Object.fromEntries(names.map((n) => [n, []]));
    for (let r = 0; r < ctx.reps; r++) {
      const order = CONFIGS.map((_, i) => CONFIGS[(i + r) % CONFIGS.length]!);
      for (const c of order) got[c.name]!.push(await measure(c));
      ctx.log(`  rep ${r + 1}: ${CONFIGS.map((c) => `${c.name} SET ${got[c.name]![r]!.SET.rps}/s p99 ${got[c.name]![r]!.SET.p99} ms`).join(', ')}`);
    }
    const rows: BenchRow[] = [];
    const pick = (c: RedisConfig, t: Test, k: keyof Sample) => got[c.name]!.map((s) => s[t][k]);
    for (const t of TESTS) {
      for (const c of CONFIGS) {
        rows.push(row(rowName(t, 'req/s', c), 'req/s', REPORT_ONLY, pick(c, t, 'rps')));
        rows.push(row(rowName(t, 'p50', c), 'ms', REPORT_ONLY, pick(c, t, 'p50')));
        rows.push(row(rowName(t, 'p99', c), 'ms', REPORT_ONLY, pick(c, t, 'p99')));
      }
      // Paired per repetition, as in the other benchmarks: each protected config over native.
      const native = pick(CONFIGS[0]!, t, 'rps');
      for (const c of CONFIGS.slice(1)) rows.push(row(`redis ${t} req/s ${c.name} / native`, 'ratio', REPORT_ONLY, pick(c, t, 'rps').map((x, i) => x / native[i]!)));
    }
    const doc = chartDoc(rows, ctx.reps);
    mkdirSync(dirname(REDIS_BENCH_JSON), { recursive: true });
    writeFileSync(REDIS_BENCH_JSON, JSON.stringify(doc, null, 2) + '\n');
    writeFileSync(REDIS_BENCH_SVG, await redisChartSvg(doc));
    ctx.log(`  wrote ${REDIS_BENCH_JSON} and ${REDIS_BENCH_SVG}`);
    return rows;
  },
};

/** The figures by configuration, for a report chart. */
function chartDoc(rows: readonly BenchRow[], reps: number): RedisBenchDoc & Record<string, unknown> {
  const byName = new Map(rows.map((r) => [r.name, r]));
  const figure = (t: Test, what: string, c: RedisConfig) => {
    const r = byName.get(`redis ${t} ${what}: ${c.label}`)!;
    return { median: r.value, spread: r.spread };
  };
  const doc = {
    benchmark: 'redis', command: `redis-benchmark -t set,get -c ${CLIENTS} -n N --csv`, reps, measuredAt: new Date().toISOString(),
    configs: CONFIGS.map((c) => ({
      name: c.name, label: c.label, protected: c.protected, outputCommit: c.outputCommit, epochMs: c.epochMs, requests: c.requests,
      set: { rps: figure('SET', 'req/s', c), p50Ms: figure('SET', 'p50', c), p99Ms: figure('SET', 'p99', c) },
      get: { rps: figure('GET', 'req/s', c), p50Ms: figure('GET', 'p50', c), p99Ms: figure('GET', 'p99', c) },
    })),
  };
  return doc;
}
