import { describe, expect, it } from 'vitest';
import { summarize } from '../../../src/compare/aggregate.js';
import { csvEscape, markdownTable, toCsv, toMarkdown } from '../../../src/compare/format.js';
import { normalizeGroup } from '../../../src/compare/rows.js';
import { rowOf, sweepOf } from '../../helpers/compare.js';

/** A minimal RFC 4180 reader, to check that what toCsv writes reads back. */
function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n') { row.push(field); out.push(row); row = []; field = ''; }
    else field += c;
  }
  return out;
}

describe('csvEscape', () => {
  const cases: [string, string][] = [
    ['kv', 'kv'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\r', '"cr\r"'],
    ['', ''],
  ];
  for (const [input, want] of cases) it(JSON.stringify(input), () => expect(csvEscape(input)).toBe(want));
});

describe('toCsv and markdown', () => {
  const rows = [0, 1].flatMap((repeat) => normalizeGroup([
    rowOf({ workload: './w,"odd"|.js', mode: 'native', repeat, opsPerSec: 1000 + repeat * 100, epochs: 0 }),
    rowOf({ workload: './w,"odd"|.js', mode: 'logdirty', repeat, opsPerSec: 400, readFaultsPerEpoch: 12.345, pauseP50Us: 900, pauseP99Us: 1500 }),
  ]));
  const summary = summarize(rows);

  it('CSV reads back with one header and one line per workload and mode', () => {
    const table = parseCsv(toCsv(summary));
    expect(table).toHaveLength(3);
    const header = table[0];
    expect(table.every((r) => r.length === header.length)).toBe(true);
    const ld = Object.fromEntries(header.map((h, i) => [h, table[2][i]]));
    expect(ld).toMatchObject({
      workload: './w,"odd"|.js', mode: 'logdirty', repeats: '2', vs_native_median: '0.3818', vs_native_min: '0.3636', vs_native_max: '0.4',
      vs_logdirty_median: '1', gain_name: '', gain_median: '', read_faults_per_epoch: '12.35', pause_p99_us: '1500',
    });
  });

  it('markdown: escaped pipes, spreads only when repeats differ, dashes where nothing applies', () => {
    const md = markdownTable(summary);
    const lines = md.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toContain('./w,"odd"\\|.js');
    expect(lines[3]).toMatch(/\| +0\.38 \(0\.36–0\.40\) \|/);
    expect(lines[3]).toMatch(/\| +1\.00x \|/);
    // native has no pauses or faults: dashes, not zeros
    expect(lines[2].split('|').map((c) => c.trim()).slice(7, 12)).toEqual(['-', '-', '-', '-', '-']);
    // every line has as many cells as the header
    const cells = (l: string) => l.replace(/\\\|/g, '').split('|').length;
    expect(new Set(lines.map(cells)).size).toBe(1);
  });

  it('NAME.md names the sweep and marks a partial shard', () => {
    const md = toMarkdown({ version: 1, kind: 'compare', sweep: sweepOf(), shard: { index: 1, count: 4 }, rows }, summary);
    expect(md).toMatch(/^# hbft compare/);
    expect(md).toContain('workloads: seqwrite, gups, kv; modes: native, logdirty, rfr;');
    expect(md).toContain('shard 1/4 (partial)');
  });
});

describe('tiny ratios', () => {
  it('a slowdown to 1e-5 of native is shown, not rounded to zero', () => {
    const rows = normalizeGroup([
      rowOf({ workload: 'gups', mode: 'native', repeat: 0, opsPerSec: 20_000_000, epochs: 0 }),
      rowOf({ workload: 'gups', mode: 'logdirty', repeat: 0, opsPerSec: 1_000 }),
    ]);
    expect(rows[1].normalized).toBe(5e-5);
    const s = summarize(rows);
    expect(markdownTable(s).split('\n')[3]).toMatch(/\| +0\.000050 \|/);
    expect(toCsv(s).split('\n')[2].split(',')[8]).toBe('0.00005');
  });
});
