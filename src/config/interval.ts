/**
 * Poll intervals as written in source YAML: a duration (`30s`, `15m`, `2h`, `1d`, between 5 s
 * and 7 days) or a cron expression (five or six fields, validated by node-cron).
 */
import cron from 'node-cron';
import type { Interval } from '../domain/source.js';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
export const MIN_INTERVAL_MS = 5_000;
export const MAX_INTERVAL_MS = 7 * 86_400_000;

/** Parse a duration like `90s`, `15m`, `1h30m`, `2h`, `7d`; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (!/^(\d+(\.\d+)?[smhd])+$/.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)([smhd])/g)) {
    total += Number(m[1]) * UNITS[m[2] as string]!;
  }
  return Math.round(total);
}

/** `2 h 5 min`, `45 min`, `30 s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** Returns the interval, or a sentence saying what was expected. */
export function parseInterval(text: string): Interval | string {
  const ms = parseDuration(text);
  if (ms !== undefined) {
    if (ms < MIN_INTERVAL_MS || ms > MAX_INTERVAL_MS) {
      return `interval ${JSON.stringify(text)} is out of range: expected between 5s and 7d`;
    }
    return { kind: 'every', ms };
  }
  const fields = text.trim().split(/\s+/);
  if ((fields.length === 5 || fields.length === 6) && cron.validate(text.trim())) {
    return { kind: 'cron', expression: text.trim() };
  }
  return `expected a duration such as 30s, 15m, 2h, 1d (5s to 7d) or a cron expression; got ${JSON.stringify(text)}`;
}

export function formatInterval(interval: Interval): string {
  if (interval.kind === 'cron') return interval.expression;
  const ms = interval.ms;
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${Math.round(ms / 1000)}s`;
}
