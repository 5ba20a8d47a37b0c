/**
 * One benchmark feed as an RSS 2.0 document with its validators. A feed has generations: at
 * generation g it lists items g·fresh … g·fresh + items − 1, newest first, so moving a feed to
 * the next generation publishes `fresh` new items and drops as many old ones, as a real site
 * does. Items have distinct links and GUIDs, pubDates in +0800, a summary and full HTML content.
 */
import { channelTitle, itemText } from './feed-text.js';
import { hostAddress, hostIndexOfFeed } from './loopback.js';

export interface FeedShape {
  items: number;
  /** New items per generation. */
  freshItems: number;
  hosts: number;
  port: number;
  /** Publication time of item 0; item k is k·41 minutes later. */
  epochMs: number;
}

export interface FeedDocument {
  xml: string;
  etag: string;
  /** HTTP-date of the newest item. */
  lastModified: string;
}

const ITEM_SPACING_MS = 41 * 60_000;

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** RFC 822 date in China Standard Time, as Chinese sites write pubDate. */
function rfc822Cst(ms: number): string {
  const d = new Date(ms + 8 * 3_600_000);
  const [wd, day, mon, year, time] = d.toUTCString().replace(',', '').split(' ');
  return `${wd}, ${day} ${mon} ${year} ${time} +0800`;
}

export function renderFeed(feed: number, generation: number, shape: FeedShape): FeedDocument {
  const origin = `http://${hostAddress(hostIndexOfFeed(feed, shape.hosts))}:${shape.port}`;
  const first = generation * shape.freshItems;
  const newest = first + shape.items - 1;
  const newestMs = shape.epochMs + newest * ITEM_SPACING_MS;
  const items: string[] = [];
  for (let seq = newest; seq >= first; seq--) {
    const t = itemText(feed, seq);
    items.push(`    <item>
      <title>${xmlEscape(t.title)}</title>
      <link>${origin}/news/${feed}/${seq}.html</link>
      <guid isPermaLink="false">tidings-bench-${feed}-${seq}</guid>
      <pubDate>${rfc822Cst(shape.epochMs + seq * ITEM_SPACING_MS)}</pubDate>
      <dc:creator>${xmlEscape(t.author)}</dc:creator>
      <category>${xmlEscape(t.category)}</category>
      <description><![CDATA[${t.summary}]]></description>
      <content:encoded><![CDATA[${t.html}]]></content:encoded>
    </item>`);
  }
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>${xmlEscape(channelTitle(feed))}</title>
    <link>${origin}/</link>
    <description>${xmlEscape(channelTitle(feed))}：要闻、通知公告与部门动态</description>
    <language>zh-cn</language>
    <lastBuildDate>${rfc822Cst(newestMs)}</lastBuildDate>
${items.join('\n')}
  </channel>
</rss>
`;
  return { xml, etag: `"f${feed}-g${generation}"`, lastModified: new Date(newestMs).toUTCString() };
}
