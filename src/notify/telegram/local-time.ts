/**
 * An instant as people in a time zone read it: `2024-10-13 18:44` (24-hour, the zone's
 * local date and time), or `18:44` alone for lists of articles from the same day. The zone
 * is a subscription's own or DEFAULT_TIMEZONE. An unreadable instant gives an empty string,
 * never `Invalid Date`.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}

function parts(instant: string | Date, timeZone: string): Record<string, string> | undefined {
  const date = typeof instant === 'string' ? new Date(instant) : instant;
  if (Number.isNaN(date.getTime())) return undefined;
  const out: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(date)) out[p.type] = p.value;
  return out;
}

/** `YYYY-MM-DD HH:MM` in `timeZone`. */
export function localDateTime(instant: string | Date, timeZone: string): string {
  const p = parts(instant, timeZone);
  return p ? `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}` : '';
}

/** `HH:MM` in `timeZone` when the instant falls on the same local day as `now`, else `MM-DD HH:MM`. */
export function shortDateTime(instant: string | Date, timeZone: string, now: Date): string {
  const p = parts(instant, timeZone);
  const today = parts(now, timeZone);
  if (!p) return '';
  const sameDay = today !== undefined && p.year === today.year && p.month === today.month && p.day === today.day;
  return sameDay ? `${p.hour}:${p.minute}` : `${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** True for a time zone Intl knows (IANA names such as Asia/Shanghai). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
