import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_CLIENTS, resolveMaxClients } from '../../../src/cli/backup-options.js';

const serve = { kind: 'tcp', host: '127.0.0.1', port: 7100 } as const;

describe('--max-clients', () => {
  it('defaults to 256, as Redis’s maxclients is bounded by default', () => {
    expect(resolveMaxClients({}, serve)).toBe(DEFAULT_MAX_CLIENTS);
    expect(DEFAULT_MAX_CLIENTS).toBe(256);
  });
  it('takes a count', () => expect(resolveMaxClients({ 'max-clients': '3' }, serve)).toBe(3));
  const bad: [Record<string, unknown>, typeof serve | null, RegExp][] = [
    [{ 'max-clients': '0' }, serve, /--max-clients/],
    [{ 'max-clients': 'many' }, serve, /--max-clients/],
    [{ 'max-clients': '4' }, null, /--max-clients: only with --serve/],
  ];
  for (const [v, s, want] of bad) it(`refuses ${JSON.stringify(v)}${s === null ? ' without --serve' : ''}`, () => {
    expect(() => resolveMaxClients(v, s)).toThrow(want);
  });
});
