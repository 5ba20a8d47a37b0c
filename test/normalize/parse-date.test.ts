import { describe, expect, it } from 'vitest';
import { formatInZone, parseDate } from '../../src/normalize/parse-date.js';

const SH = 'Asia/Shanghai';
const NY = 'America/New_York';
const NOW = new Date('2025-05-15T04:00:00Z'); // 12:00 in Shanghai, 00:00 in New York

describe('parseDate: RFC 822 / 1123', () => {
  it.each([
    ['Sun, 13 Oct 2024 10:44:04 GMT', SH, '2024-10-13T18:44:04+08:00'],
    ['Sun, 21 Dec 2025 01:10:00 GMT', SH, '2025-12-21T09:10:00+08:00'],
    ['Fri, 22 Jul 2022 12:00:00 +0800', SH, '2022-07-22T12:00:00+08:00'],
    ['Thu, 01 Jan 2004 19:48:21 GMT', 'UTC', '2004-01-01T19:48:21+00:00'],
    ['Thu, 01 Jan 04 19:48:21 GMT', 'UTC', '2004-01-01T19:48:21+00:00'],
    ['Fri, 01 Jan 99 19:48:21 GMT', 'UTC', '1999-01-01T19:48:21+00:00'],
    ['Thu, 01 Jan 2004 19:48 GMT', 'UTC', '2004-01-01T19:48:00+00:00'],
    ['01 Jan 2004 19:48:21 GMT', 'UTC', '2004-01-01T19:48:21+00:00'],
    ['Thu,01 Jan 2004 19:48:21 GMT', 'UTC', '2004-01-01T19:48:21+00:00'],
    ['Thu, 1 Jan 2004 19:48:21 GMT', 'UTC', '2004-01-01T19:48:21+00:00'],
    ['Thursday, 01 January 2004 19:48:21 GMT', 'UTC', '2004-01-01T19:48:21+00:00'],
    ['Thu, 01 Jan 2004 19:48:21 UT', 'UTC', '2004-01-01T19:48:21+00:00'],
    ['Thu, 01 Jan 2004 19:48:21 Z', 'UTC', '2004-01-01T19:48:21+00:00'],
    ['Thu, 01 Jan 2004 19:48:21 EST', 'UTC', '2004-01-02T00:48:21+00:00'],
    ['Thu, 01 Jul 2004 19:48:21 EDT', 'UTC', '2004-07-01T23:48:21+00:00'],
    ['Thu, 01 Jan 2004 19:48:21 PST', 'UTC', '2004-01-02T03:48:21+00:00'],
    ['Thu, 01 Jan 2004 19:48:21 -0500', 'UTC', '2004-01-02T00:48:21+00:00'],
    ['Thu, 01 Jan 2004 19:48:21 +05:30', 'UTC', '2004-01-01T14:18:21+00:00'],
    ['Tue, 18 May 1999 22:33:44 +05', 'UTC', '1999-05-18T17:33:44+00:00'],
    ['Fri, 24 Nov 2006 10:00:00 +0100 (CET)', 'UTC', '2006-11-24T09:00:00+00:00'],
    ['Thu, 01 Jan 2004', 'UTC', '2004-01-01T00:00:00+00:00'],
    ['Sept 5, 2024 10:00 AM', SH, '2024-09-05T10:00:00+08:00'],
    ['October 13, 2024 6:44 PM', SH, '2024-10-13T18:44:00+08:00'],
    ['Oct 13, 2024, 12:05 am', SH, '2024-10-13T00:05:00+08:00'],
    ['13-Oct-2024 18:44:04', SH, '2024-10-13T18:44:04+08:00'],
    ['Sun Oct 13 2024 18:44:04 GMT+0800 (China Standard Time)', NY, '2024-10-13T06:44:04-04:00'],
    ['Sun Oct 13 18:44:04 2024', SH, '2024-10-13T18:44:04+08:00'],
  ])('%s in %s', (input, zone, expected) => {
    expect(parseDate(input, zone, NOW)).toBe(expected);
  });

  it('reads CST as China Standard Time when the default zone is at +08:00, else as US Central', () => {
    expect(parseDate('Sun, 13 Oct 2024 18:44:04 CST', SH, NOW)).toBe('2024-10-13T18:44:04+08:00');
    expect(parseDate('Sun, 13 Oct 2024 18:44:04 CST', 'UTC', NOW)).toBe('2024-10-14T00:44:04+00:00');
  });
});

describe('parseDate: ISO 8601 / W3CDTF', () => {
  it.each([
    ['2024-10-13T18:44:04+08:00', SH, '2024-10-13T18:44:04+08:00'],
    ['2024-10-13T10:44:04Z', SH, '2024-10-13T18:44:04+08:00'],
    ['2024-10-13T10:44:04.123Z', SH, '2024-10-13T18:44:04+08:00'],
    ['2003-12-31T10:14:55-08:00', 'UTC', '2003-12-31T18:14:55+00:00'],
    ['2003-12-31T10:14:55+0100', 'UTC', '2003-12-31T09:14:55+00:00'],
    ['2003-12-31T10:14:55+01', 'UTC', '2003-12-31T09:14:55+00:00'],
    ['2003-12-31T10:14Z', 'UTC', '2003-12-31T10:14:00+00:00'],
    ['2003-12-31 10:14:55 -08:00', 'UTC', '2003-12-31T18:14:55+00:00'],
    ['2004-01-01T19:48:21 GMT', 'UTC', '2004-01-01T19:48:21+00:00'],
    ['2024-10-13T18:44:04', SH, '2024-10-13T18:44:04+08:00'],
    ['2024-10-13 18:44:04', SH, '2024-10-13T18:44:04+08:00'],
    ['2024-10-13 18:44', SH, '2024-10-13T18:44:00+08:00'],
    ['2004-07-08 23:56:58.0', SH, '2004-07-08T23:56:58+08:00'],
    ['2024-10-13', SH, '2024-10-13T00:00:00+08:00'],
    ['2024-10', SH, '2024-10-01T00:00:00+08:00'],
    ['2024', SH, '2024-01-01T00:00:00+08:00'],
    ['20031231T101455Z', 'UTC', '2003-12-31T10:14:55+00:00'],
    ['2003-335', 'UTC', '2003-12-01T00:00:00+00:00'],
    ['2024-10-13T24:00:00Z', 'UTC', '2024-10-14T00:00:00+00:00'],
    ['2024-10-13T18:44:60Z', 'UTC', '2024-10-13T18:44:59+00:00'],
    ['2024-10-13T18:44:04.000+0800[Asia/Shanghai]', 'UTC', '2024-10-13T10:44:04+00:00'],
  ])('%s in %s', (input, zone, expected) => {
    expect(parseDate(input, zone, NOW)).toBe(expected);
  });
});

describe('parseDate: Chinese and numeric dates', () => {
  it.each([
    ['2024年10月13日', '2024-10-13T00:00:00+08:00'],
    ['2024年10月13日 18:44', '2024-10-13T18:44:00+08:00'],
    ['2024年10月13日18:44:04', '2024-10-13T18:44:04+08:00'],
    ['2024年10月13日 18时44分', '2024-10-13T18:44:00+08:00'],
    ['2024年10月13日18时44分04秒', '2024-10-13T18:44:04+08:00'],
    ['2024年10月13日 下午6:44', '2024-10-13T18:44:00+08:00'],
    ['2024年10月13日 星期日 上午9:05', '2024-10-13T09:05:00+08:00'],
    ['24年10月13日', '2024-10-13T00:00:00+08:00'],
    ['２０２４年１０月１３日　１８：４４', '2024-10-13T18:44:00+08:00'],
    ['2024/10/13', '2024-10-13T00:00:00+08:00'],
    ['2024/10/13 18:44', '2024-10-13T18:44:00+08:00'],
    ['2024.10.13', '2024-10-13T00:00:00+08:00'],
    ['20241013', '2024-10-13T00:00:00+08:00'],
    ['20241013184404', '2024-10-13T18:44:04+08:00'],
    ['13.10.2024', '2024-10-13T00:00:00+08:00'],
    ['10/13/2024', '2024-10-13T00:00:00+08:00'],
    ['13/10/2024', '2024-10-13T00:00:00+08:00'],
    ['发布时间：2024-10-13', undefined],
    ['[2024-10-13]', '2024-10-13T00:00:00+08:00'],
  ])('%s', (input, expected) => {
    expect(parseDate(input, SH, NOW)).toBe(expected);
  });

  it('gives dates without a year the year that puts them most recently before now', () => {
    expect(parseDate('[11-18]', SH, NOW)).toBe('2024-11-18T00:00:00+08:00');
    expect(parseDate('05-15', SH, NOW)).toBe('2025-05-15T00:00:00+08:00');
    expect(parseDate('10月13日 18:44', SH, NOW)).toBe('2024-10-13T18:44:00+08:00');
    expect(parseDate('03-01 09:30', SH, NOW)).toBe('2025-03-01T09:30:00+08:00');
  });

  it('reads relative dates against now', () => {
    expect(parseDate('刚刚', SH, NOW)).toBe('2025-05-15T12:00:00+08:00');
    expect(parseDate('5分钟前', SH, NOW)).toBe('2025-05-15T11:55:00+08:00');
    expect(parseDate('3小时前', SH, NOW)).toBe('2025-05-15T09:00:00+08:00');
    expect(parseDate('2天前', SH, NOW)).toBe('2025-05-13T12:00:00+08:00');
    expect(parseDate('2 hours ago', SH, NOW)).toBe('2025-05-15T10:00:00+08:00');
    expect(parseDate('昨天 18:44', SH, NOW)).toBe('2025-05-14T18:44:00+08:00');
    expect(parseDate('今天 08:00', SH, NOW)).toBe('2025-05-15T08:00:00+08:00');
    expect(parseDate('前天', SH, NOW)).toBe('2025-05-13T00:00:00+08:00');
  });

  it('reads epoch seconds and milliseconds', () => {
    expect(parseDate('1728816244', SH)).toBe('2024-10-13T18:44:04+08:00');
    expect(parseDate('1728816244000', SH)).toBe('2024-10-13T18:44:04+08:00');
    expect(parseDate('1728816244.5', SH)).toBe('2024-10-13T18:44:04+08:00');
    expect(parseDate(' 1728816244000 ', 'UTC')).toBe('2024-10-13T10:44:04+00:00');
  });
});

describe('parseDate: zones with daylight saving time', () => {
  it.each([
    ['2024-07-01 12:00', NY, '2024-07-01T12:00:00-04:00'],
    ['2024-01-15 12:00', NY, '2024-01-15T12:00:00-05:00'],
    ['2024-07-01 12:00', 'Europe/Berlin', '2024-07-01T12:00:00+02:00'],
    ['2024-01-15 12:00', 'Europe/Berlin', '2024-01-15T12:00:00+01:00'],
    // Spring forward: 02:30 does not exist in New York on 10 March 2024 and moves forward.
    ['2024-03-10 02:30', NY, '2024-03-10T03:30:00-04:00'],
    // Fall back: 01:30 happens twice on 3 November 2024; the earlier one is taken.
    ['2024-11-03 01:30', NY, '2024-11-03T01:30:00-04:00'],
    ['2024-11-03T06:30:00Z', NY, '2024-11-03T01:30:00-05:00'],
    ['2024-10-13 18:44', 'Asia/Kolkata', '2024-10-13T18:44:00+05:30'],
    ['2024-01-01 12:00', 'Australia/Lord_Howe', '2024-01-01T12:00:00+11:00'],
  ])('%s in %s', (input, zone, expected) => {
    expect(parseDate(input, zone, NOW)).toBe(expected);
  });
});

describe('parseDate: what it refuses', () => {
  it.each([
    [undefined],
    [''],
    ['   '],
    ['garbage'],
    ['not a date at all, really'],
    ['2024-02-30'],
    ['2023-02-29'],
    ['Thu, 31 Jun 2004 19:48:21 GMT'],
    ['2024-13-01'],
    ['2024-10-13T25:00:00Z'],
    ['2024-10-13T18:61:00Z'],
    ['Sun, 31 Dec 9999 23:59:59 -9999'],
    ['Sun, 16 Dec 2012 1:2:3:4 GMT'],
    ['05/06/2024'],
    ['start=2002-10-13T09:00+01:00;end=2002-10-17T17:00+01:00;scheme=W3C-DTF'],
    ['Κυρ, 11 Ιούλ 2004 12:00:00 EST'],
    ['0001-01-01T00:00:00Z'],
    ['x'.repeat(10_000)],
    ['\u0000\uFFFF\uD800'],
  ])('%j', (input) => {
    expect(parseDate(input, SH, NOW)).toBeUndefined();
  });

  it('returns undefined for an unknown zone instead of throwing', () => {
    expect(parseDate('2024-10-13', 'Mars/Olympus_Mons', NOW)).toBeUndefined();
  });

  it('never throws on arbitrary input', () => {
    const alphabet = '0123456789-:/.,TZ +年月日时分秒前天APMGMTSunOct()[]';
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let n = 0; n < 2000; n++) {
      const length = Math.floor(random() * 30);
      const input = Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      const result = parseDate(input, NY, NOW);
      if (result !== undefined) expect(result).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
    }
  });
});

describe('formatInZone', () => {
  it.each([
    ['2024-10-13T10:44:04Z', SH, '2024-10-13T18:44:04+08:00'],
    ['2024-10-13T10:44:04.999Z', SH, '2024-10-13T18:44:04+08:00'],
    ['2024-10-13T10:44:04Z', 'UTC', '2024-10-13T10:44:04+00:00'],
    ['2024-07-01T16:00:00Z', NY, '2024-07-01T12:00:00-04:00'],
    ['2024-01-15T17:00:00Z', NY, '2024-01-15T12:00:00-05:00'],
    ['2024-10-13T13:14:00Z', 'Asia/Kolkata', '2024-10-13T18:44:00+05:30'],
    ['2024-10-13T13:14:00Z', 'Asia/Kathmandu', '2024-10-13T18:59:00+05:45'],
    ['1969-12-31T23:59:59Z', 'UTC', '1969-12-31T23:59:59+00:00'],
    // Before 1901 Shanghai kept local mean time (+08:05:43): the offset is rounded to the minute.
    ['1900-01-01T00:00:00Z', SH, '1900-01-01T08:06:00+08:06'],
  ])('%s in %s', (iso, zone, expected) => {
    expect(formatInZone(new Date(iso), zone)).toBe(expected);
  });

  it('throws RangeError for an invalid date or zone', () => {
    expect(() => formatInZone(new Date('nope'), SH)).toThrow(RangeError);
    expect(() => formatInZone(new Date(), 'Not/A_Zone')).toThrow(RangeError);
  });
});
