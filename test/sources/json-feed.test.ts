import { describe, expect, it } from 'vitest';
import { parseFeed } from '../../src/sources/feed.js';
import { isJsonFeed, parseJsonFeed } from '../../src/sources/json-feed.js';

const opts = { url: 'https://example.org/feed.json', timeZone: 'Asia/Shanghai' };

describe('JSON Feed', () => {
  it('reads JSON Feed 1.1', async () => {
    const feed = {
      version: 'https://jsonfeed.org/version/1.1',
      title: '  My  feed ',
      home_page_url: '/',
      feed_url: 'https://example.org/feed.json',
      items: [
        {
          id: '2',
          url: '/2024/10/13/post.html?utm_campaign=x',
          title: 'Post',
          content_html: '<p>Hi <img src="/i.png"></p>',
          summary: 'Lead',
          date_published: '2024-10-13T10:44:04Z',
          date_modified: '2024-10-14 09:00',
          authors: [{ name: 'Ann' }, { name: 'Bo' }, { url: 'x' }],
          tags: ['a', 'b', 'a', 3],
          attachments: [{ url: '/ep.mp3', mime_type: 'audio/mpeg' }, { url: 'javascript:x' }],
        },
        { id: 3, external_url: 'https://elsewhere.example/x', content_text: 'Line one\n\nLine <two>' },
        'not an item',
        { title: 123, url: 5, date_published: 'never' },
      ],
    };
    const parsed = await parseFeed(JSON.stringify(feed), opts);
    expect(parsed).toEqual({
      format: 'json-feed',
      title: 'My feed',
      link: 'https://example.org/',
      items: [
        {
          guid: '2',
          url: 'https://example.org/2024/10/13/post.html',
          title: 'Post',
          published: '2024-10-13T18:44:04+08:00',
          updated: '2024-10-14T09:00:00+08:00',
          author: 'Ann, Bo',
          summary: 'Lead',
          html: '<p>Hi <img src="https://example.org/i.png"></p>',
          categories: ['a', 'b'],
          attachments: [{ title: 'ep.mp3', url: 'https://example.org/ep.mp3' }],
        },
        {
          guid: '3',
          url: 'https://elsewhere.example/x',
          summary: 'Line one\n\nLine <two>',
          html: '<p>Line one</p>\n<p>Line &lt;two&gt;</p>',
        },
        {},
      ],
    });
  });

  it('reads JSON Feed 1.0 author', () => {
    const parsed = parseJsonFeed(
      JSON.stringify({ version: 'https://jsonfeed.org/version/1', items: [{ id: 'a', author: { name: 'Old' } }] }),
      opts,
    );
    expect(parsed.items).toEqual([{ guid: 'a', author: 'Old' }]);
  });

  it('recognizes JSON Feeds by their version', () => {
    expect(isJsonFeed({ version: 'https://jsonfeed.org/version/1.1' })).toBe(true);
    expect(isJsonFeed({ version: '1.1' })).toBe(false);
    expect(isJsonFeed([])).toBe(false);
    expect(() => parseJsonFeed('{"version":"2"}', opts)).toThrow(/JSON that is not a JSON Feed/);
  });
});
