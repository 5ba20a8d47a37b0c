import { describe, expect, it } from 'vitest';
import { signToken, unsubscribeUrl, verifyToken } from '../../../src/notify/email/tokens.js';

const SECRET = 'a-long-enough-test-secret-0123456789';

describe('signed tokens', () => {
  it('round-trips a subject for its purpose only', () => {
    const t = signToken(SECRET, 'unsubscribe', 'sub123');
    expect(verifyToken(SECRET, 'unsubscribe', t)).toBe('sub123');
    expect(verifyToken(SECRET, 'confirm', t)).toBeUndefined();
    expect(verifyToken('another-secret-0123456789abcdef', 'unsubscribe', t)).toBeUndefined();
  });

  it('refuses forged, altered, truncated and junk tokens', () => {
    const t = signToken(SECRET, 'unsubscribe', 'sub123');
    const [payload, mac] = t.split('.') as [string, string];
    const other = Buffer.from(JSON.stringify({ p: 'unsubscribe', s: 'sub999' })).toString('base64url');
    expect(verifyToken(SECRET, 'unsubscribe', `${other}.${mac}`)).toBeUndefined();
    for (const c of 'AQgw_-') if (c !== mac.at(-1)) expect(verifyToken(SECRET, 'unsubscribe', `${payload}.${mac.slice(0, -1)}${c}`)).toBeUndefined();
    expect(verifyToken(SECRET, 'unsubscribe', payload)).toBeUndefined();
    for (const junk of ['', '.', 'x.y', null, undefined, 'a'.repeat(5000)]) expect(verifyToken(SECRET, 'unsubscribe', junk)).toBeUndefined();
  });

  it('expires', () => {
    const t = signToken(SECRET, 'confirm', 'req1', new Date('2026-01-02T00:00:00Z'));
    expect(verifyToken(SECRET, 'confirm', t, new Date('2026-01-01T23:59:00Z'))).toBe('req1');
    expect(verifyToken(SECRET, 'confirm', t, new Date('2026-01-02T00:00:01Z'))).toBeUndefined();
  });

  it('builds URL-safe unsubscribe links', () => {
    const url = new URL(unsubscribeUrl('https://news.example.org', SECRET, 'sub123'));
    expect(url.pathname).toBe('/unsubscribe');
    expect(verifyToken(SECRET, 'unsubscribe', url.searchParams.get('t'))).toBe('sub123');
  });
});
