/**
 * Wall-clock time in IANA time zones, computed with `Intl.DateTimeFormat` only: the UTC
 * offset of a zone at an instant, the instant a wall time names in a zone (DST gaps and
 * overlaps resolved like Temporal's `compatible`: a time skipped by a spring-forward gap
 * moves forward by the gap, an ambiguous time in a fall-back overlap takes the earlier
 * instant), and ISO 8601 rendering with the zone's explicit offset. The server's own zone
 * never enters: every computation goes through UTC milliseconds.
 */

/** A calendar date and time of day, without a zone. */
export interface WallTime {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 */
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Whether `timeZone` is an IANA zone name this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** UTC milliseconds of a wall time read as UTC (years 0–99 are not shifted to 19xx). */
export function wallTimeAsUtc(wall: WallTime): number {
  const date = new Date(Date.UTC(2000, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second));
  date.setUTCFullYear(wall.year, wall.month - 1, wall.day);
  return date.getTime();
}

/** The wall time a UTC-millisecond value shows in UTC. */
export function utcWallTime(ms: number): WallTime {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

/** Offset of `timeZone` from UTC at `instantMs`, in milliseconds (east positive). */
export function zoneOffsetMs(instantMs: number, timeZone: string): number {
  const wholeSeconds = Math.floor(instantMs / 1000) * 1000;
  const fields = new Map<string, number>();
  for (const part of formatterFor(timeZone).formatToParts(wholeSeconds)) {
    if (part.type !== 'literal') fields.set(part.type, Number(part.value));
  }
  const wall: WallTime = {
    year: fields.get('year') ?? 0,
    month: fields.get('month') ?? 1,
    day: fields.get('day') ?? 1,
    hour: fields.get('hour') ?? 0,
    minute: fields.get('minute') ?? 0,
    second: fields.get('second') ?? 0,
  };
  return wallTimeAsUtc(wall) - wholeSeconds;
}

/** The wall time `instantMs` shows in `timeZone`. */
export function wallTimeInZone(instantMs: number, timeZone: string): WallTime {
  return utcWallTime(instantMs + zoneOffsetMs(instantMs, timeZone));
}

/**
 * The instant (UTC ms) that `wall` names in `timeZone`. Wall times inside a DST gap move
 * forward by the gap; wall times repeated by a DST overlap take the earlier instant.
 */
export function wallTimeToInstant(wall: WallTime, timeZone: string): number {
  const local = wallTimeAsUtc(wall);
  const offsetBefore = zoneOffsetMs(local - DAY_MS, timeZone);
  const offsetAfter = zoneOffsetMs(local + DAY_MS, timeZone);
  const candidates = [local - offsetBefore, local - offsetAfter].filter(
    (instant) => local - zoneOffsetMs(instant, timeZone) === instant,
  );
  if (candidates.length > 0) return Math.min(...candidates);
  // In a gap: read the wall time with the offset in force before the transition.
  return local - offsetBefore;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** `+08:00`, `-04:00`, `+00:00` for an offset in whole minutes. */
export function formatOffset(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/**
 * `date` as ISO 8601 in `timeZone` with the zone's offset at that instant, to the second:
 * `2024-10-13T18:44:04+08:00`. Historical offsets with seconds (local mean time) are
 * rounded to the minute and the wall time follows, so the instant shown stays within the
 * second. Throws RangeError for an invalid date, an unknown zone or a year outside 0–9999.
 */
export function formatInZone(date: Date, timeZone: string): string {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError('formatInZone: invalid date');
  const instant = Math.floor(ms / 1000) * 1000;
  const offsetMinutes = Math.round(zoneOffsetMs(instant, timeZone) / MINUTE_MS);
  const wall = utcWallTime(instant + offsetMinutes * MINUTE_MS);
  if (wall.year < 0 || wall.year > 9999) throw new RangeError(`formatInZone: year ${wall.year} out of range`);
  return (
    `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}` +
    `T${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)}${formatOffset(offsetMinutes)}`
  );
}
