/**
 * Date strings from feeds and pages to ISO 8601 instants with an explicit offset.
 * `parseDate` accepts whatever notation the readers in date-formats.ts know and never throws.
 * A date that names no zone is wall time in `timeZone` (an IANA name, normally the
 * `DEFAULT_TIMEZONE` setting). The output rule is one and the same for every input: the
 * instant is rendered in `timeZone` with that zone's offset at that instant. So
 * `Sun, 13 Oct 2024 10:44:04 GMT` read for Asia/Shanghai is `2024-10-13T18:44:04+08:00`:
 * the instant the source named is kept, the offset the source wrote it in is not. Output
 * is to the second (fractions are dropped) and limited to the years 1000–9999.
 */
import { DATE_READERS, type DateContext, type DateReading, westernizeChinese } from './date-formats.js';
import { formatInZone, isValidTimeZone, wallTimeAsUtc, wallTimeToInstant } from './zoned-time.js';

export { formatInZone } from './zoned-time.js';

const MIN_MS = Date.UTC(1000, 0, 2);
const MAX_MS = Date.UTC(9999, 11, 30);
const HAN = /[\u3400-\u9fff]/;

/** Full-width forms folded; brackets around the date and an RFC 9557 `[Asia/Shanghai]` suffix removed. */
function normalizeInput(input: string): string {
  let text = input.normalize('NFKC').replace(/\s+/g, ' ').trim();
  text = text.replace(/(\d)\[[A-Za-z][\w/+-]*\]$/, '$1');
  const bracketed = /^[[【(](.*)[\]】)]$/.exec(text);
  if (bracketed?.[1] !== undefined) text = bracketed[1].trim();
  return HAN.test(text) ? westernizeChinese(text) : text;
}

function toInstant(reading: DateReading, timeZone: string): number {
  if (reading.kind === 'instant') return reading.ms;
  if (reading.offsetMinutes !== undefined) return wallTimeAsUtc(reading.wall) - reading.offsetMinutes * 60_000;
  return wallTimeToInstant(reading.wall, timeZone);
}

/**
 * `input` as `YYYY-MM-DDTHH:MM:SS±HH:MM` in `timeZone`, or undefined when it is missing,
 * not a date this module reads, out of range, or `timeZone` is not a known zone.
 * `now` (default: the current time) anchors relative dates and dates without a year.
 */
export function parseDate(input: string | undefined, timeZone: string, now: Date = new Date()): string | undefined {
  if (typeof input !== 'string' || input.length > 200 || !isValidTimeZone(timeZone)) return undefined;
  const ctx: DateContext = { now: now.getTime(), timeZone };
  if (Number.isNaN(ctx.now)) return undefined;
  try {
    return readDate(normalizeInput(input), ctx);
  } catch {
    // Readers are written not to throw; this keeps the promise if one ever does.
    return undefined;
  }
}

function readDate(text: string, ctx: DateContext): string | undefined {
  if (!text) return undefined;
  for (const read of DATE_READERS) {
    const reading = read(text, ctx);
    if (!reading) continue;
    const ms = toInstant(reading, ctx.timeZone);
    if (!Number.isFinite(ms) || ms < MIN_MS || ms > MAX_MS) return undefined;
    return formatInZone(new Date(ms), ctx.timeZone);
  }
  return undefined;
}
