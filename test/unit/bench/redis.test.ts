import { describe, expect, it } from 'vitest';
import { redisChartSvg } from '../../../bench/lib/redis-chart.js';
import { parseCsv } from '../../../bench/redis.js';

const CSV = `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
"SET","611.62","25.9","19.2","25.84","27.2","29.77","32.5"
"GET","609.10","27.1","19.8","25.70","36.3","29.60","56.3"
`;

describe('redis bench', () => {
  it('reads requests/s, p50 and p99 from redis-benchmark --csv by column name', () => {
    expect(parseCsv(CSV, 't')).toEqual({ SET: { rps: 611.62, p50: 25.84, p99: 29.77 }, GET: { rps: 609.1, p50: 25.7, p99: 29.6 } });
  });
  it('refuses output without a SET or GET row, or without its columns', () => {
    expect(() => parseCsv(CSV.split('\n').slice(0, 2).join('\n'), 't')).toThrow(/no GET row/);
    expect(() => parseCsv('"test","rps"\n"SET","1"', 't')).toThrow(/no column p50_latency_ms/);
  });
  it('charts every configuration', async () => {
    const f = (median: number) => ({ median });
    const fig = { rps: f(600), p50Ms: f(25), p99Ms: f(30) };
    const svg = await redisChartSvg({ configs: [{ name: 'native', label: 'unprotected', set: fig, get: fig }, { name: 'oc', label: 'output commit 25 ms', set: fig, get: fig }] });
    expect(svg).toContain('<svg');
    expect(svg).toContain('config: unprotected; test: SET');
    expect(svg).toContain('config: output commit 25 ms; test: GET');
    expect(svg).toContain('p99 ms');
  });
});
