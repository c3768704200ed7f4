// Addresses of the backup link: `HOST:PORT` or `tcp://HOST:PORT` (loopback TCP) and
// `unix:PATH` (a Unix socket). Parsing is strict so a typo is a one-line ConfigError.
import { ConfigError } from '../base/errors.js';

export type NetAddress =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string };

/** `HOST:PORT`, `tcp://HOST:PORT` or `unix:PATH`; port 0 (listen only) picks a free port. */
export function parseAddress(flag: string, text: string, allowPortZero = false): NetAddress {
  if (text.startsWith('unix:')) {
    const path = text.slice('unix:'.length);
    if (path === '') throw new ConfigError(flag, `"${text}": unix: needs a socket path`);
    return { kind: 'unix', path };
  }
  const rest = text.startsWith('tcp://') ? text.slice('tcp://'.length) : text;
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(rest);
  if (m === null) throw new ConfigError(flag, `"${text}" is not HOST:PORT, tcp://HOST:PORT or unix:PATH`);
  const port = Number(m[2]);
  if (port > 65535 || (port === 0 && !allowPortZero)) throw new ConfigError(flag, `"${text}": port ${port} out of range`);
  return { kind: 'tcp', host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

export function formatAddress(a: NetAddress): string {
  return a.kind === 'unix' ? `unix:${a.path}` : `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}

/** Comma-separated list (the kv client's --connect). */
export function parseAddressList(flag: string, text: string): NetAddress[] {
  const parts = text.split(',').filter((p) => p !== '');
  if (parts.length === 0) throw new ConfigError(flag, 'no address given');
  return parts.map((p) => parseAddress(flag, p));
}

/** Where `hbft run` sends its checkpoints. */
export type BackupTarget =
  | { readonly kind: 'inproc' }
  | { readonly kind: 'process' }
  | { readonly kind: 'remote'; readonly address: NetAddress };

export function parseBackupTarget(text: string | undefined): BackupTarget {
  if (text === undefined || text === 'inproc') return { kind: 'inproc' };
  if (text === 'process') return { kind: 'process' };
  if (!text.startsWith('tcp://') && !text.startsWith('unix:')) {
    throw new ConfigError('--backup', `"${text}" is not tcp://HOST:PORT, unix:PATH, process or inproc`);
  }
  return { kind: 'remote', address: parseAddress('--backup', text) };
}
