import { describe, expect, it } from 'vitest';
import { nameLogs, threadRoleOfLog } from '../../../src/metrics/prof-logs.js';

describe('threadRoleOfLog', () => {
  it.each([
    ['a role marker', 'script-source,191,<unknown>,(function anonymous(\\n) {\\nreturn 0;\\n//# sourceURL=hbft-thread/vcpu-1\\n})', 'vcpu-1'],
    ['the marker before the entry script', 'code-creation,Script,10,1,0x1,2, file:///x/dist/workers/vcpu.js:1:1\nsourceURL=hbft-thread/vcpu-0', 'vcpu-0'],
    ['only the tracker entry script', 'code-creation,Script,10,1,0x1,2, file:///x/dist/workers/tracker.js:1:1', 'tracker'],
    ['only the CLI entry script', 'code-creation,Script,10,1,0x1,2, file:///x/dist/src/cli/main.js:1:1', 'main'],
    ['nothing known', 'v8-version,11,3,244,8,-node.38,0', null],
  ])('names %s', (_name, text, role) => {
    expect(threadRoleOfLog(text)).toBe(role);
  });
});

describe('nameLogs', () => {
  it('keeps unique roles and numbers duplicates and unknowns', () => {
    expect(nameLogs(['main', 'vcpu', 'vcpu', null, 'tracker', null])).toEqual(['main', 'vcpu', 'vcpu-2', 'isolate-1', 'tracker', 'isolate-2']);
  });
});
