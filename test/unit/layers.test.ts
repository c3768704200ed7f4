import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The layering of src/ (.dependency-cruiser.cjs, docs/design.md "Source map"), checked
// by dependency-cruiser itself on the real tree and on a tree built to break it.
const ROOT = join(import.meta.dirname, '../..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

interface Violation { rule: { name: string }; from: string; to: string }

function cruise(cwd: string): Violation[] {
  const r = spawnSync(process.execPath, [DEPCRUISE, 'src', '--config', CONFIG, '--output-type', 'json'], { cwd, encoding: 'utf8' });
  if (r.stdout === '') throw new Error(`depcruise failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('src layers', () => {
  it('no folder imports a folder above it, and no module cycle', () => {
    const violations = cruise(ROOT).map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
    expect(violations).toEqual([]);
  });

  it('the rules catch an upward import, a cycle and a folder outside the layers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hbft-layers-'));
    const put = (path: string, text: string) => {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    put('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } }));
    put('src/vm/a.ts', "import { b } from '../cli/b.js';\nexport const a = b;\n");
    put('src/cli/b.ts', 'export const b = 1;\n');
    put('src/guest/c.ts', "import { d } from './d.js';\nexport const c = () => d;\n");
    put('src/guest/d.ts', "import { c } from './c.js';\nexport const d = () => c;\n");
    put('src/attic/e.ts', "import { b } from '../cli/b.js';\nexport const e = b;\n");
    const found = cruise(dir).map((v) => `${v.rule.name}: ${v.from}`);
    expect(found).toContain('layer-vm: src/vm/a.ts');
    expect(found).toContain('folder-in-layers: src/attic/e.ts');
    expect(found.filter((v) => v.startsWith('no-circular: src/guest/'))).not.toEqual([]);
    expect(found).toHaveLength(3);
  });
});
