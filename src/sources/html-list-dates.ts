/**
 * Finding the date inside the text of a list item: `2024-10-13`, `2024/10/13`, `2024.10.13`,
 * `2024年10月13日` (each with an optional `18:44[:04]`), `发布日期：20241013`, and month-day
 * dates without a year (`[11-18]`, `11-18`, `11月18日`), which are accepted only where a
 * title number cannot be mistaken for one. The match is returned as found (for removing
 * it from a title) and in the numeric form `parseDate` reads; `parseDate` then infers the
 * missing year (the most recent such date not in the future) and applies the zone.
 */

/** Where a month-day date without a year counts: anywhere, only as a bracketed suffix, or never. */
export type MonthDayRule = 'anywhere' | 'bracketed-end' | 'never';

export interface FoundDate {
  /** The date as written in the text, and where it starts (brackets only for a bracketed month-day at the end). */
  raw: string;
  index: number;
  /** `2024-10-13`, `2024-10-13 18:44`, `11-18`: what `parseDate` is given. */
  value: string;
}

const FULL_DATE = /(?<!\d)((?:19|20)\d{2})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?!\d)(?:\s*[日号號])?/g;
/** A time of day right after a date (sticky: `lastIndex` is set to the date's end). */
const TIME_AFTER = /(?:T|\s*)(\d{1,2}):(\d{2})(?::(\d{2}))?(?!\d)/y;
const LABELLED_COMPACT = /(?:日期|时间|時間|发布|發布|更新)\s*[:：]?\s*((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)/g;
const MONTH_DAY = /(?<![\d.:/-])(\d{1,2})\s*(?:[-/]|月)\s*(\d{1,2})(?:\s*[日号號])?(?![\d:/-])(?!\s*[月年])/g;
const BRACKETED_MONTH_DAY_END = /[[(（【]\s*(\d{1,2})\s*(?:[-/]|月)\s*(\d{1,2})\s*[日号號]?\s*[\])）】]\s*$/;

const FULL_WIDTH = /[０-９－／．：]/g;

/** Full-width digits and separators to ASCII, one code unit for one, so indexes still match. */
function asciiDigits(text: string): string {
  return text.replace(FULL_WIDTH, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0xfee0));
}

function pad(n: string): string {
  return n.padStart(2, '0');
}

function validMonthDay(month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/** ` 18:44[:04]` right after index `at` of `ascii`, as `HH:MM[:SS]` with its length. */
function timeAfter(ascii: string, at: number): { value: string; length: number } | undefined {
  TIME_AFTER.lastIndex = at;
  const m = TIME_AFTER.exec(ascii);
  if (!m) return undefined;
  const [whole, hour = '', minute = '', second] = m;
  if (Number(hour) > 23 || Number(minute) > 59 || (second !== undefined && Number(second) > 59)) return undefined;
  return { value: `${pad(hour)}:${minute}${second === undefined ? '' : `:${second}`}`, length: whole.length };
}

function fullDate(text: string, ascii: string): FoundDate | undefined {
  for (const m of ascii.matchAll(FULL_DATE)) {
    const [whole, year = '', month = '', day = ''] = m;
    if (!validMonthDay(Number(month), Number(day))) continue;
    const end = m.index + whole.length;
    const time = timeAfter(ascii, end);
    return {
      raw: text.slice(m.index, end + (time?.length ?? 0)),
      index: m.index,
      value: `${year}-${pad(month)}-${pad(day)}${time ? ` ${time.value}` : ''}`,
    };
  }
  for (const m of ascii.matchAll(LABELLED_COMPACT)) {
    const [whole, year = '', month = '', day = ''] = m;
    if (!validMonthDay(Number(month), Number(day))) continue;
    const start = m.index + whole.length - 8;
    return { raw: text.slice(start, start + 8), index: start, value: `${year}-${month}-${day}` };
  }
  return undefined;
}

function monthDay(text: string, ascii: string): FoundDate | undefined {
  for (const m of ascii.matchAll(MONTH_DAY)) {
    const [whole, month = '', day = ''] = m;
    if (!validMonthDay(Number(month), Number(day))) continue;
    return { raw: text.slice(m.index, m.index + whole.length), index: m.index, value: `${pad(month)}-${pad(day)}` };
  }
  return undefined;
}

/**
 * The first date in `text`: a date with a year wherever it is; failing that, a month-day
 * date as `monthDays` allows (`bracketed-end`: only `… [11-18]` at the very end).
 */
export function findDate(text: string, monthDays: MonthDayRule): FoundDate | undefined {
  const ascii = asciiDigits(text);
  const full = fullDate(text, ascii);
  if (full || monthDays === 'never') return full;
  if (monthDays === 'anywhere') return monthDay(text, ascii);
  const m = BRACKETED_MONTH_DAY_END.exec(ascii);
  const [whole, month = '', day = ''] = m ?? [];
  if (!m || whole === undefined || !validMonthDay(Number(month), Number(day))) return undefined;
  return { raw: text.slice(m.index, m.index + whole.length).trimEnd(), index: m.index, value: `${pad(month)}-${pad(day)}` };
}

const DATE_LABEL = /(?:发布|發布|发表|發表|更新|录入|錄入)?(?:日期|时间|時間)|[\s[\]()（）【】<>《》:：|/·-]/g;

/** The date of a text that is nothing but a date, maybe bracketed or labelled (`[11-18]`, `发布日期：2024-10-13`). */
export function dateOnly(text: string): FoundDate | undefined {
  if (text.length > 40) return undefined;
  const found = findDate(text, 'anywhere');
  if (!found) return undefined;
  const rest = text.slice(0, found.index) + text.slice(found.index + found.raw.length);
  return rest.replace(DATE_LABEL, '') === '' ? found : undefined;
}

/**
 * A date written at the start or end of `text` (a link `标题 (2024-10-13)`), with `text`
 * without it; month-day dates only bracketed at the end.
 */
export function dateAtEdge(text: string): { date: FoundDate; rest: string } | undefined {
  const found = findDate(text, 'bracketed-end');
  if (!found) return undefined;
  const before = text.slice(0, found.index);
  const after = text.slice(found.index + found.raw.length);
  if (/^[\s[(（【]*$/.test(before)) return { date: found, rest: after.replace(/^[\s\])）】:：|-]+/, '').trim() };
  if (/^[\s\])）】]*$/.test(after)) return { date: found, rest: before.replace(/[\s[(（【:：|-]+$/, '').trim() };
  return undefined;
}
