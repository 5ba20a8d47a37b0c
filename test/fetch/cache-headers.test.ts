import { describe, expect, it } from 'vitest';
import { freshnessSeconds, notBeforeFrom, parseCacheControl, parseRetryAfter } from '../../src/fetch/cache-headers.js';

const now = new Date('2025-03-01T12:00:00Z');

describe('parseRetryAfter', () => {
  it('reads delta seconds', () => {
    expect(parseRetryAfter('120', now)?.toISOString()).toBe('2025-03-01T12:02:00.000Z');
    expect(parseRetryAfter(' 3600 ', now)?.toISOString()).toBe('2025-03-01T13:00:00.000Z');
  });

  it('reads HTTP dates in all three formats', () => {
    expect(parseRetryAfter('Sat, 01 Mar 2025 12:30:00 GMT', now)?.toISOString()).toBe('2025-03-01T12:30:00.000Z');
    expect(parseRetryAfter('Saturday, 01-Mar-25 12:30:00 GMT', now)?.toISOString()).toBe('2025-03-01T12:30:00.000Z');
    expect(parseRetryAfter('Sat Mar  1 12:30:00 2025', now)?.getUTCMinutes()).toBe(30);
  });

  it('ignores absent, zero, past and malformed values', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('0', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('Sat, 01 Mar 2025 11:00:00 GMT', now)).toBeUndefined();
    expect(parseRetryAfter('9'.repeat(30), now)).toBeUndefined();
  });
});

describe('Cache-Control', () => {
  it('parses directives with quoted values and odd spacing', () => {
    const d = parseCacheControl('public, max-age=300 , private="set-cookie, x", S-MaxAge=10');
    expect(d.get('max-age')).toBe('300');
    expect(d.get('private')).toBe('set-cookie, x');
    expect(d.get('s-maxage')).toBe('10');
    expect(d.get('public')).toBe(true);
  });

  it('gives freshness from max-age less Age, and nothing for no-store, no-cache or zero', () => {
    expect(freshnessSeconds('max-age=600')).toBe(600);
    expect(freshnessSeconds('max-age=600', '100')).toBe(500);
    expect(freshnessSeconds('max-age=600', '700')).toBeUndefined();
    expect(freshnessSeconds('max-age=0')).toBeUndefined();
    expect(freshnessSeconds('no-store, max-age=600')).toBeUndefined();
    expect(freshnessSeconds('no-cache, max-age=600')).toBeUndefined();
    expect(freshnessSeconds('max-age=abc')).toBeUndefined();
    expect(freshnessSeconds(undefined)).toBeUndefined();
  });
});

describe('notBeforeFrom', () => {
  it('prefers Retry-After on any status', () => {
    expect(notBeforeFrom(503, { 'retry-after': '60' }, now)?.toISOString()).toBe('2025-03-01T12:01:00.000Z');
    expect(notBeforeFrom(200, { 'retry-after': '60', 'cache-control': 'max-age=3600' }, now)?.toISOString()).toBe('2025-03-01T12:01:00.000Z');
  });

  it('uses max-age on 200 and 304 only', () => {
    expect(notBeforeFrom(200, { 'cache-control': 'max-age=900' }, now)?.toISOString()).toBe('2025-03-01T12:15:00.000Z');
    expect(notBeforeFrom(304, { 'cache-control': 'max-age=900' }, now)?.toISOString()).toBe('2025-03-01T12:15:00.000Z');
    expect(notBeforeFrom(404, { 'cache-control': 'max-age=900' }, now)).toBeUndefined();
    expect(notBeforeFrom(200, {}, now)).toBeUndefined();
  });
});
