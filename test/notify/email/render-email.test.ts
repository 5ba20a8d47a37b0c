/**
 * The email renderer on its own: header values, List-Unsubscribe with the mailto:, wrapping,
 * and the empty digest.
 */
import { describe, expect, it } from 'vitest';
import type { Subscription } from '../../../src/domain/subscription.js';
import { checkedAddress, headerText, idHost, InvalidAddressError, messageIdOf, parseMailFrom, renderAlertEmail, renderDigestEmail, wrapText, type EmailContext } from '../../../src/notify/email/render-email.js';
import { verifyToken } from '../../../src/notify/email/tokens.js';

const ctx: EmailContext = { publicUrl: 'https://news.example.org', secret: 'render-secret-0123456789', mailFrom: 'tidings <alerts@news.example.org>', unsubscribeMailto: 'unsubscribe@news.example.org', timeZone: 'Asia/Shanghai', lang: 'zh', now: new Date('2024-10-14T00:00:00Z') };
const sub = { id: 'sub1', subscriber: { kind: 'email', address: 'a@example.com' }, subscriberKey: 'mail:a@example.com', query: '四方合作', mode: 'instant', script: 'original', paused: false, createdBy: 'cli', createdAt: '', feedToken: 't' } as Subscription;

describe('render-email', () => {
  it('header values lose every control character and line break', () => {
    expect(headerText('a\r\nBcc: x@y.z\u0000\u2028b\tc')).toBe('a Bcc: x@y.z b c');
    expect(() => checkedAddress('a@example.com\r\nRCPT TO:<x@y.z>')).toThrow(InvalidAddressError);
    expect(() => checkedAddress('a@example.com, b@example.com')).toThrow(InvalidAddressError);
    expect(checkedAddress('a.b+tag@example.com')).toBe('a.b+tag@example.com');
    expect(() => parseMailFrom('a@x.com, b@y.com')).toThrow(/MAIL_FROM/);
    expect(parseMailFrom('tidings <t@x.org>')).toEqual({ name: 'tidings', address: 't@x.org' });
  });

  it('Message-ID and List-Id hosts come from PUBLIC_URL; the same parts give the same id', () => {
    expect(idHost('http://[::1]:8080')).toBe('tidings.1');
    expect(idHost('https://News.Example.org/base')).toBe('tidings.news.example.org');
    expect(messageIdOf(ctx.publicUrl, 'a', 'b')).toBe(messageIdOf(ctx.publicUrl, 'a', 'b'));
    expect(messageIdOf(ctx.publicUrl, 'a', 'b')).not.toBe(messageIdOf(ctx.publicUrl, 'a', 'c'));
  });

  it('List-Unsubscribe carries the one-click URL and, with MAIL_UNSUBSCRIBE_MAILTO, a mailto: with the same token', () => {
    const article = { id: 'x', sourceId: 'mrxw', url: 'https://www.mrxw.example/a.html', guid: null, title: '标题', published: '2024-10-13T18:44:04+08:00', updated: '', author: null, origin: null, text: '正文。', summary: '正文。', html: '', lang: 'zh', script: 'hans' as const, tags: [], originalTitle: null, duplicateOf: null, flags: [], attachments: [], storedAt: '' };
    const r = renderAlertEmail('a@example.com', sub.subscriberKey, { article, sourceName: '每日新闻网', alsoReportedBy: [], subscriptions: [sub] }, ctx);
    const value = (r.message.headers as Record<string, string>)['List-Unsubscribe']!;
    const m = /^<https:\/\/news\.example\.org\/unsubscribe\?t=([^>]+)>, <mailto:unsubscribe@news\.example\.org\?subject=unsubscribe%20([^>]+)>$/.exec(value);
    expect(m).not.toBeNull();
    expect(m![1]).toBe(m![2]);
    expect(verifyToken(ctx.secret, 'unsubscribe', m![1])).toBe('sub1');
    expect(r.message.html).toContain('<p style="margin:0 0 12px 0;">正文。</p>'); // no HTML: the summary
  });

  it('a digest with nothing in it is no message', () => {
    expect(renderDigestEmail('a@example.com', sub.subscriberKey, [], { date: '2024-10-14' }, ctx)).toBeUndefined();
  });

  it('wraps at 78 columns: CJK counts two, Latin words and URL lines are never broken, no line starts with closing punctuation', () => {
    const cjk = '科技援疆'.repeat(30) + '。';
    const lines = wrapText(cjk, 78).split('\n');
    expect(lines.every((l) => Array.from(l).length <= 40)).toBe(true);
    expect(lines.join('')).toBe(cjk);
    expect(lines.some((l) => l.startsWith('。'))).toBe(false);
    const url = `URL: https://example.org/${'x'.repeat(120)}`;
    expect(wrapText(url, 78)).toBe(url);
    const latin = wrapText('word '.repeat(40).trim(), 78).split('\n');
    expect(latin.every((l) => l.length <= 78 && !l.startsWith(' ') && !l.endsWith(' '))).toBe(true);
    expect(wrapText('-- ', 78)).toBe('-- ');
  });
});
