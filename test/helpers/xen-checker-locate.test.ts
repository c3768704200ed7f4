import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BESIDE_REPO, resolveXenChecker } from './xen-checker-locate.js';

// A fake layout: <dir>/repo is the repository root, <dir>/shared/... the tools beside it.
const dir = mkdtempSync(join(tmpdir(), 'hbft-xen-locate-'));
const root = join(dir, 'repo');
const beside = join(root, BESIDE_REPO);
mkdirSync(join(beside, '..'), { recursive: true });
mkdirSync(root);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(path: string, mode: number): void {
  writeFileSync(path, '#!/bin/sh\nexit 0\n');
  chmodSync(path, mode);
}

describe('finding Xen\'s stream checker', () => {
  it('skips with a reason naming the path when there is no checker, and throws under HBFT_REQUIRE_XEN_CHECKER=1', () => {
    const r = resolveXenChecker({}, root);
    expect(r.path).toBeNull();
    expect(r.why).toContain(beside);
    expect(() => resolveXenChecker({ HBFT_REQUIRE_XEN_CHECKER: '1' }, root)).toThrow(/forbids skipping/);
  });

  it('finds ../shared/tools/xen-stream-check/check beside the repository only when executable', () => {
    script(beside, 0o644);
    expect(resolveXenChecker({}, root).path).toBeNull();
    chmodSync(beside, 0o755);
    expect(resolveXenChecker({ HBFT_REQUIRE_XEN_CHECKER: '1' }, root).path).toBe(beside);
  });

  it('prefers HBFT_XEN_CHECKER, resolving a relative value from the repository root', () => {
    const own = join(root, 'my-check');
    script(own, 0o755);
    expect(resolveXenChecker({ HBFT_XEN_CHECKER: own }, root).path).toBe(own);
    expect(resolveXenChecker({ HBFT_XEN_CHECKER: 'my-check' }, root).path).toBe(own);
    // Set but wrong: no fallback to the path beside the repository.
    const wrong = resolveXenChecker({ HBFT_XEN_CHECKER: join(dir, 'nope') }, root);
    expect(wrong.path).toBeNull();
    expect(wrong.why).toContain('HBFT_XEN_CHECKER');
  });
});
