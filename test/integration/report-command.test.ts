import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/src/cli/main.js');
const FIXTURES = join(ROOT, 'test/fixtures/report');
const work = mkdtempSync(join(tmpdir(), 'hbft-report-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function hbft(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: work, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('hbft report', () => {
  it('renders several results files into the --out page and prints its path', () => {
    const out = join(work, 'sub', 'all.html');
    const r = hbft('report', join(FIXTURES, 'run-logdirty.json'), join(FIXTURES, 'run-wfp.json'), join(FIXTURES, 'compare.json'), '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`wrote ${out}`);
    const html = readFileSync(out, 'utf8');
    for (const id of ['pause-distribution', 'epoch-timeline', 'faults-per-epoch', 'compare-throughput']) {
      expect(html).toContain(`data-chart="${id}"`);
    }
  });

  it('writes NAME.html next to a single input by default', () => {
    const input = join(work, 'one-run.json');
    writeFileSync(input, readFileSync(join(FIXTURES, 'run-pml.json')));
    const r = hbft('report', input);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`wrote ${join(work, 'one-run.html')}`);
  });

  const notJson = join(work, 'not.json');
  const wrongSchema = join(work, 'wrong.json');
  writeFileSync(notJson, '{"version": 1, ');
  writeFileSync(wrongSchema, JSON.stringify({ version: 2, mode: 'logdirty' }));
  const bad: [string, string[], RegExp][] = [
    ['a missing file', [join(work, 'nope.json')], /cannot read .*nope\.json \(ENOENT\)/],
    ['a file that is not JSON', [notJson], /not\.json is not JSON/],
    ['a file with the wrong schema', [wrongSchema], /wrong\.json: results version 2 is not 1/],
    ['no file at all', [], /at least one results JSON/],
  ];
  for (const [name, args, message] of bad) {
    it(`refuses ${name} with one line and exit code 2`, () => {
      const r = hbft('report', ...args);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    });
  }
});
