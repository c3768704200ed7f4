import { ConfigError } from '../base/errors.js';

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kib: 1024, m: 1 << 20, mib: 1 << 20, g: 1 << 30, gib: 1 << 30 };
const TIME_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000 };

/** A leading minus gets its own message: "-1" is a number, just not one the flag takes. */
function refuseNegative(flag: string, text: string, what: string): void {
  if (/^\s*-\s*\d/.test(text)) throw new ConfigError(flag, `${what} cannot be negative, got ${text.trim()}`);
}

/** "256MiB" -> bytes. */
export function parseSize(flag: string, text: string): number {
  refuseNegative(flag, text, 'a size');
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new ConfigError(flag, `"${text}" is not a size (use e.g. 64MiB, 512KiB, 2GiB)`);
  const bytes = Number(m[1]) * unit;
  if (!Number.isSafeInteger(bytes)) throw new ConfigError(flag, `"${text}" is not a whole number of bytes`);
  return bytes;
}

/** "5s", "250ms", "2m" -> ms; a bare number is seconds. */
export function parseDuration(flag: string, text: string): number {
  refuseNegative(flag, text, 'a duration');
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? (m[2] === '' ? 1000 : TIME_UNITS[m[2].toLowerCase()]) : undefined;
  if (!m || unit === undefined) throw new ConfigError(flag, `"${text}" is not a duration (use e.g. 5s, 250ms, 2m)`);
  const ms = Number(m[1]) * unit;
  if (!(ms > 0)) throw new ConfigError(flag, `must be more than 0, got "${text}"`);
  return ms;
}

/** A whole number in [min, max]. */
export function parseCount(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (/^\s*-\d+\s*$/.test(text)) throw new ConfigError(flag, `must be between ${min} and ${max}, got ${text.trim()}`);
  if (!/^\d+$/.test(text.trim())) throw new ConfigError(flag, `"${text}" is not a whole number`);
  const n = Number(text);
  if (n < min || n > max) throw new ConfigError(flag, `must be between ${min} and ${max}, got ${n}`);
  return n;
}
