/**
 * Readers for the date notations feeds and news pages use, each turning a normalized string
 * into a wall time (with the offset the text named, if any) or an instant: ISO 8601 / W3CDTF
 * (extended, basic and ordinal forms), numeric Y/M/D, D.M.Y and M/D/Y dates, RFC 822/1123 and
 * other dates with English month names (any order, 2-digit years, missing seconds or day
 * names, zone names, `GMT+0800 (China Standard Time)` comments), Chinese dates
 * (`2024年10月13日 下午6:44`), month-day dates without a year, relative dates (`3小时前`,
 * `昨天 18:44`, `2 hours ago`) and epoch seconds or milliseconds. Readers never throw; an
 * unrecognized or impossible date (31 February, minute 61, offset -99:99) reads as undefined.
 */
import { type WallTime, utcWallTime, wallTimeAsUtc, wallTimeInZone, zoneOffsetMs } from './zoned-time.js';

/** What a reader found: a wall time (offset in minutes when the text named one) or an instant. */
export type DateReading =
  | { kind: 'wall'; wall: WallTime; offsetMinutes?: number }
  | { kind: 'instant'; ms: number };

/** What readers need besides the text: the moment "now" and the zone of zone-less dates. */
export interface DateContext {
  now: number;
  timeZone: string;
}

type Reader = (text: string, ctx: DateContext) => DateReading | undefined;

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Zone abbreviations (RFC 822 ones and other common ones), minutes east of UTC. */
const NAMED_ZONES = new Map<string, number>([
  ['Z', 0], ['UT', 0], ['UTC', 0], ['GMT', 0], ['WET', 0],
  ['BST', 60], ['CET', 60], ['MET', 60], ['WEST', 60], ['CEST', 120], ['MEST', 120],
  ['EET', 120], ['EEST', 180], ['MSK', 180],
  ['EST', -300], ['EDT', -240], ['CST', -360], ['CDT', -300], ['MST', -420], ['MDT', -360],
  ['PST', -480], ['PDT', -420], ['AKST', -540], ['AKDT', -480], ['HST', -600],
  ['AST', -240], ['ADT', -180], ['NST', -210], ['NDT', -150],
  ['HKT', 480], ['SGT', 480], ['PHT', 480], ['AWST', 480], ['WIB', 420],
  ['JST', 540], ['KST', 540], ['ACST', 570], ['ACDT', 630], ['AEST', 600], ['AEDT', 660],
  ['NZST', 720], ['NZDT', 780],
]);
const CHINA_OFFSET = 480;

const MONTHS = new Map<string, number>([
  ['jan', 1], ['feb', 2], ['mar', 3], ['apr', 4], ['may', 5], ['jun', 6],
  ['jul', 7], ['aug', 8], ['sep', 9], ['sept', 9], ['oct', 10], ['nov', 11], ['dec', 12],
  ['january', 1], ['february', 2], ['march', 3], ['april', 4], ['june', 6], ['july', 7],
  ['august', 8], ['september', 9], ['october', 10], ['november', 11], ['december', 12],
]);

const TIME = String.raw`(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(?:\s*([AaPp])\.?[Mm]\.?)?`;
const ZONE = String.raw`Z|[+-]\d{1,2}(?::?\d{2})?|(?:GMT|UTC|UT)(?:[+-]\d{1,2}(?::?\d{2})?)?|[A-Za-z]{3,5}`;
const ISO_EXTENDED = new RegExp(
  String.raw`^(\d{4})(?:([-/.])(\d{1,2})(?:\2(\d{1,2}))?)?(?:(?:T\s*|\s+)${TIME}\s*(${ZONE})?)?$`,
  'i',
);
const ISO_BASIC = new RegExp(String.raw`^(\d{4})(\d{2})(\d{2})(?:T?(\d{2})(\d{2})(\d{2})?(?:[.,]\d+)?\s*(${ZONE})?)?$`, 'i');
const ISO_ORDINAL = new RegExp(String.raw`^(\d{4})-?(\d{3})(?:T${TIME}\s*(${ZONE})?)?$`, 'i');
const DAY_FIRST = new RegExp(String.raw`^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})(?:(?:T\s*|\s+)${TIME}\s*(${ZONE})?)?$`, 'i');
const MONTH_DAY = new RegExp(String.raw`^(\d{1,2})[-/.](\d{1,2})(?:\s+${TIME})?$`, 'i');
const TIME_TOKEN = new RegExp(String.raw`^${TIME}(${ZONE})?$`, 'i');

const MONTH_LENGTHS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeap(year) ? 29 : (MONTH_LENGTHS[month - 1] ?? 0);
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function num(value: string | undefined, fallback = 0): number {
  return value === undefined || value === '' ? fallback : Number(value);
}

/** Wall time from parts, or undefined when a part is out of range. Hour 24:00 becomes the next day. */
function makeWall(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): WallTime | undefined {
  if (!Number.isInteger(year) || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (minute > 59 || second > 60 || hour > 24 || (hour === 24 && (minute > 0 || second > 0))) return undefined;
  const wall = { year, month, day, hour, minute, second: Math.min(second, 59) };
  return hour === 24 ? utcWallTime(wallTimeAsUtc({ ...wall, hour: 0 }) + DAY_MS) : wall;
}

/** Applies an AM/PM marker (`a`/`p`) to an hour; hours 0 and 13–23 keep their 24-hour meaning. */
function hour12(hour: number, marker: string | undefined): number {
  if (!marker || hour === 0 || hour > 12) return hour;
  const pm = marker.toLowerCase() === 'p';
  if (hour === 12) return pm ? 12 : 0;
  return pm ? hour + 12 : hour;
}

/**
 * Minutes east of UTC that a zone token names (`Z`, `GMT`, `+0800`, `-05:00`, `+8`,
 * `UTC+08:00`, `EST`); `null` when the token is not a zone at all. `CST` reads as China
 * Standard Time when the default zone is itself at +08:00, else as US Central.
 */
export function zoneMinutes(token: string, ctx: DateContext): number | null | undefined {
  const upper = token.toUpperCase();
  const numeric = /^(?:GMT|UTC|UT)?([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(upper);
  if (numeric) {
    const hours = Number(numeric[2]);
    const minutes = num(numeric[3]);
    if (hours > 14 || minutes > 59) return undefined;
    return (numeric[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  if (upper === 'CST' && zoneOffsetMs(ctx.now, ctx.timeZone) === CHINA_OFFSET * MINUTE_MS) return CHINA_OFFSET;
  return NAMED_ZONES.get(upper) ?? null;
}

/** Wall reading with an optional zone token; undefined when the zone token is not a valid zone. */
function withZone(wall: WallTime | undefined, zone: string | undefined, ctx: DateContext): DateReading | undefined {
  if (!wall) return undefined;
  if (!zone) return { kind: 'wall', wall };
  const offsetMinutes = zoneMinutes(zone, ctx);
  return offsetMinutes === null || offsetMinutes === undefined ? undefined : { kind: 'wall', wall, offsetMinutes };
}

/** Hour, minute, second from the four TIME groups starting at `at` (midnight when absent). */
function timeParts(m: RegExpExecArray, at: number): [number, number, number] {
  if (m[at] === undefined) return [0, 0, 0];
  return [hour12(num(m[at]), m[at + 3]), num(m[at + 1]), num(m[at + 2])];
}

/** `2024-10-13T18:44:04.5+08:00`, `2024-10-13 18:44`, `2024/10/13`, `2024.10.13`, `2024-10`, `2024`. */
const readIsoExtended: Reader = (text, ctx) => {
  const m = ISO_EXTENDED.exec(text);
  if (!m) return undefined;
  if (m[4] === undefined && m[2] !== undefined && m[2] !== '-' && m[2] !== '/') return undefined;
  if (m[3] === undefined && m[5] !== undefined) return undefined;
  return withZone(makeWall(num(m[1]), num(m[3], 1), num(m[4], 1), ...timeParts(m, 5)), m[9], ctx);
};

/** `20031231T101455Z`, `20241013`, `202410131844`, `20241013184404`. */
const readIsoBasic: Reader = (text, ctx) => {
  const m = ISO_BASIC.exec(text);
  if (!m) return undefined;
  return withZone(makeWall(num(m[1]), num(m[2]), num(m[3]), num(m[4]), num(m[5]), num(m[6])), m[7], ctx);
};

/** `2003-335`, `2003335T10:14:55Z`: day of the year. */
const readIsoOrdinal: Reader = (text, ctx) => {
  const m = ISO_ORDINAL.exec(text);
  if (!m) return undefined;
  const year = num(m[1]);
  const dayOfYear = num(m[2]);
  if (dayOfYear < 1 || dayOfYear > (isLeap(year) ? 366 : 365)) return undefined;
  const date = utcWallTime(wallTimeAsUtc({ year, month: 1, day: 1, hour: 0, minute: 0, second: 0 }) + (dayOfYear - 1) * DAY_MS);
  return withZone(makeWall(date.year, date.month, date.day, ...timeParts(m, 3)), m[7], ctx);
};

/** `13.10.2024` (day first), `13/10/2024` and `10/13/2024` when the order is unambiguous. */
const readDayFirst: Reader = (text, ctx) => {
  const m = DAY_FIRST.exec(text);
  if (!m) return undefined;
  let day = num(m[1]);
  let month = num(m[3]);
  if (m[2] !== '.' && day !== month) {
    if (day <= 12 && month <= 12) return undefined;
    if (month > 12) [day, month] = [month, day];
  }
  return withZone(makeWall(num(m[4]), month, day, ...timeParts(m, 5)), m[9], ctx);
};

/** The year that puts month/day closest before now (at most a day ahead, for zone skew). */
function inferYear(month: number, day: number, ctx: DateContext): number {
  const today = wallTimeInZone(ctx.now, ctx.timeZone);
  const candidate = wallTimeAsUtc({ year: today.year, month, day, hour: 0, minute: 0, second: 0 });
  return candidate > wallTimeAsUtc(today) + DAY_MS ? today.year - 1 : today.year;
}

/** `10-13`, `10/13 18:44`: month and day of the most recent such date. */
const readMonthDay: Reader = (text, ctx) => {
  const m = MONTH_DAY.exec(text);
  if (!m) return undefined;
  const month = num(m[1]);
  const day = num(m[2]);
  if (month < 1 || month > 12) return undefined;
  return withZone(makeWall(inferYear(month, day, ctx), month, day, ...timeParts(m, 3)), undefined, ctx);
};

const DIGITS_ONLY = /^\d+(?:\.\d+)?$/;

/** Epoch seconds (9–11 digits) or milliseconds (12–13 digits), optionally with a fraction. */
const readEpoch: Reader = (text) => {
  if (!DIGITS_ONLY.test(text)) return undefined;
  const digits = text.split('.')[0]?.length ?? 0;
  if (digits < 9 || digits > 13) return undefined;
  const ms = digits <= 11 ? Number(text) * 1000 : Number(text);
  return { kind: 'instant', ms: Math.floor(ms) };
};

interface TextualParts {
  month?: number;
  numbers: { value: number; width: number }[];
  time?: RegExpExecArray;
  zone?: string;
}

function classifyToken(token: string, parts: TextualParts, ctx: DateContext): boolean {
  const month = MONTHS.get(token.toLowerCase().replace(/\.$/, ''));
  if (month !== undefined && parts.month === undefined) {
    parts.month = month;
    return true;
  }
  const number = /^(\d{1,4})(?:st|nd|rd|th)?$/i.exec(token);
  if (number?.[1]) {
    parts.numbers.push({ value: Number(number[1]), width: number[1].length });
    return true;
  }
  const time = TIME_TOKEN.exec(token);
  if (time && !parts.time) {
    parts.time = time;
    if (time[5]) parts.zone = time[5];
    return true;
  }
  if (!parts.zone && zoneMinutes(token, ctx) !== null) {
    parts.zone = token;
    return true;
  }
  return /^(at|the|of)$/i.test(token);
}

/** Day and year from the numbers around a month name (`01 Jan 04`, `Jan 1, 2004`, `Jan 1 10:00 2004`). */
function dayAndYear(numbers: TextualParts['numbers']): [number, number] | undefined {
  if (numbers.length !== 2) return undefined;
  const [a, b] = numbers as [TextualParts['numbers'][0], TextualParts['numbers'][0]];
  const yearFirst = a.width === 4 || a.value > 31;
  const [day, year] = yearFirst ? [b, a] : [a, b];
  if (day.width > 2 || year.width === 3 || year.width === 1) return undefined;
  const fullYear = year.width === 4 ? year.value : year.value < 50 ? 2000 + year.value : 1900 + year.value;
  return [day.value, fullYear];
}

/**
 * Dates with an English month name: RFC 822/1123 (`Sun, 13 Oct 2024 10:44:04 GMT`,
 * `13 Oct 04 10:44 +0000`), JavaScript's `Sun Oct 13 2024 18:44:04 GMT+0800 (CST)`,
 * asctime's `Sun Oct 13 18:44:04 2024`, `October 13, 2024 6:44 PM`, `13-Oct-2024`.
 */
const readTextual: Reader = (text, ctx) => {
  if (!/[A-Za-z]{3}/.test(text)) return undefined;
  const cleaned = text
    .replace(/\([^)]*\)/g, ' ')
    .replace(/\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b\.?/gi, ' ')
    .replace(/(\d{1,2})-([A-Za-z]{3,9})-(\d{2,4})/, '$1 $2 $3')
    .replace(/(\d)([AaPp]\.?[Mm]\.?)(?=\s|$)/, '$1 $2')
    .replace(/,/g, ' ');
  const tokens = cleaned.split(/\s+/).filter(Boolean);
  const parts: TextualParts = { numbers: [] };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? '';
    const next = tokens[i + 1];
    if (parts.time && !parts.time[4] && /^[AaPp]\.?[Mm]\.?$/.test(token)) {
      parts.time[4] = token.charAt(0);
      continue;
    }
    if (/^[+-]\d/.test(next ?? '') && /^(GMT|UTC|UT)$/i.test(token)) {
      tokens[i + 1] = `${token}${next}`;
      continue;
    }
    if (!classifyToken(token, parts, ctx)) return undefined;
  }
  const dayYear = parts.month === undefined ? undefined : dayAndYear(parts.numbers);
  if (!dayYear || parts.month === undefined) return undefined;
  const time = parts.time ? timeParts(parts.time, 1) : ([0, 0, 0] as const);
  return withZone(makeWall(dayYear[1], parts.month, dayYear[0], ...time), parts.zone, ctx);
};

const RELATIVE_UNITS = new Map<string, number>([
  ['秒', 1000], ['秒钟', 1000], ['分', MINUTE_MS], ['分钟', MINUTE_MS], ['小时', HOUR_MS], ['个小时', HOUR_MS],
  ['天', DAY_MS], ['日', DAY_MS], ['周', 7 * DAY_MS], ['星期', 7 * DAY_MS],
  ['分鐘', MINUTE_MS], ['秒鐘', 1000], ['小時', HOUR_MS], ['個小時', HOUR_MS], ['週', 7 * DAY_MS],
  ['second', 1000], ['sec', 1000], ['minute', MINUTE_MS], ['min', MINUTE_MS], ['hour', HOUR_MS], ['hr', HOUR_MS],
  ['day', DAY_MS], ['week', 7 * DAY_MS],
]);
const DAY_WORDS = new Map<string, number>([
  ['今天', 0], ['今日', 0], ['today', 0], ['昨天', 1], ['昨日', 1], ['yesterday', 1], ['前天', 2],
]);

/** `刚刚`, `5分钟前`, `3 hours ago`, `昨天 18:44`, `today 10:00`. */
const readRelative: Reader = (text, ctx) => {
  if (/^(刚刚|刚才|just now)$/i.test(text)) return { kind: 'instant', ms: ctx.now };
  const ago = /^(\d+)\s*([^\d\s]+?)s?\s*(?:前|ago)$/i.exec(text);
  if (ago) {
    const unit = RELATIVE_UNITS.get((ago[2] ?? '').toLowerCase());
    return unit === undefined ? undefined : { kind: 'instant', ms: ctx.now - Number(ago[1]) * unit };
  }
  const day = /^(\S+?)\s*(?:(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  const back = DAY_WORDS.get((day?.[1] ?? '').toLowerCase());
  if (!day || back === undefined) return undefined;
  const date = wallTimeInZone(ctx.now - back * DAY_MS, ctx.timeZone);
  return withZone(makeWall(date.year, date.month, date.day, num(day[2]), num(day[3]), num(day[4])), undefined, ctx);
};

/** Rewrites Chinese date and time words into the numeric notation the other readers know. */
export function westernizeChinese(text: string): string {
  return text
    .replace(/[(（[【]?(?:星期|礼拜|禮拜|周|週)[一二三四五六日天][)）\]】]?/g, ' ')
    .replace(/(\d{2,4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号號]?/g, (_m, y: string, mo: string, d: string) =>
      `${y.length === 2 ? `20${y}` : y}-${mo}-${d} `,
    )
    .replace(/(\d{1,2})\s*月\s*(\d{1,2})\s*[日号號]?/g, '$1-$2 ')
    .replace(/(\d{1,2})\s*[时點点時:]\s*(\d{1,2})\s*分?\s*(?:(\d{1,2})\s*秒)?/g, (_m, h: string, mi: string, s?: string) =>
      `${h}:${mi.padStart(2, '0')}${s ? `:${s.padStart(2, '0')}` : ''}`,
    )
    .replace(/(\d{1,2})\s*[时點点時]整?/g, '$1:00')
    .replace(/(?:上午|早上|早晨|凌晨)\s*(\d{1,2}:\d{2}(?::\d{2})?)/g, '$1 AM')
    .replace(/(?:下午|晚上|傍晚|中午|晚间)\s*(\d{1,2}:\d{2}(?::\d{2})?)/g, '$1 PM')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Every reader, in the order tried; the first that recognizes the text wins. */
export const DATE_READERS: readonly Reader[] = [
  readIsoBasic,
  readEpoch,
  readIsoExtended,
  readIsoOrdinal,
  readDayFirst,
  readMonthDay,
  readTextual,
  readRelative,
];
