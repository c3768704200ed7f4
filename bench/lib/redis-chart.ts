// The redis benchmark's figures as one SVG chart (results/bench-redis.svg): requests/s
// and latency p50/p99 per configuration, SET and GET side by side. Rendered headlessly
// with the report's renderer.
import type { TopLevelSpec } from 'vega-lite';
import { chartToSvg } from '../../src/report/svg.js';

interface Figure { median: number | null }
export interface RedisBenchDoc {
  readonly configs: readonly ({ name: string; label: string } & Record<'set' | 'get', { rps: Figure; p50Ms: Figure; p99Ms: Figure }>)[];
}

export function redisChartSpec(doc: RedisBenchDoc): TopLevelSpec {
  const order = doc.configs.map((c) => c.label);
  const rows = doc.configs.flatMap((c) => (['set', 'get'] as const).flatMap((t) => [
    { config: c.label, test: t.toUpperCase(), metric: 'requests/s', value: c[t].rps.median },
    { config: c.label, test: t.toUpperCase(), metric: 'p50 ms', value: c[t].p50Ms.median },
    { config: c.label, test: t.toUpperCase(), metric: 'p99 ms', value: c[t].p99Ms.median },
  ]));
  const panel = (metric: string, title: string, log: boolean) => ({
    title,
    transform: [{ filter: metric === 'latency' ? "datum.metric !== 'requests/s'" : "datum.metric === 'requests/s'" }],
    mark: { type: 'point' as const, filled: true, size: 90 },
    encoding: {
      y: { field: 'config', type: 'nominal' as const, sort: order, title: null },
      shape: { field: 'test', type: 'nominal' as const, title: null },
      x: { field: 'value', type: 'quantitative' as const, title: metric === 'latency' ? 'ms (log)' : 'requests/s (log)', scale: { type: log ? 'log' as const : 'linear' as const } },
      color: { field: metric === 'latency' ? 'metric' : 'test', type: 'nominal' as const, title: null },
    },
    width: 320,
    height: 220,
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'redis-benchmark -c 16 against kvserver: what protection costs a client',
    data: { values: rows },
    hconcat: [
      panel('rps', 'throughput (SET and GET)', true),
      { ...panel('latency', 'latency p50 and p99 (SET and GET)', true), resolve: { scale: { color: 'independent' } } },
    ],
    resolve: { scale: { color: 'independent' } },
  } as TopLevelSpec;
}

export function redisChartSvg(doc: RedisBenchDoc): Promise<string> {
  const spec = redisChartSpec(doc);
  // One bar per configuration and command; the SVG alone is kept (warnings stay unprinted).
  const maxSeries = 2 * doc.configs.length;
  return chartToSvg({ id: 'bench-redis', title: 'redis-benchmark', axisTitles: [], maxSeries, spec }).then((r) => r.svg);
}
