/**
 * A parsed feed document, whichever reader produced it, to the ParsedSource tidings works
 * with: the format, the channel's title and home-page link, and one RawItem per entry.
 * Relative links resolve against the feed URL with every xml:base in force applied in
 * document order (root element, channel, entry, the element itself).
 */
import type { ParsedSource, RawItem } from '../domain/article.js';
import { httpUrl } from '../dedupe/canonical-url.js';
import { type FeedFormat, plainText } from './feed-content.js';
import { alternateLink, ENTRY_ELEMENTS, mapEntry, withBase } from './feed-entry.js';
import { type FeedNode } from './feed-node.js';

/** A feed as a reader found it: the channel (Atom: the feed element) and the entries. */
export interface FeedDocument {
  format: FeedFormat;
  /** The root element when it is not the channel (`rss`, `rdf:RDF`): its xml:base applies to all. */
  root?: FeedNode;
  channel?: FeedNode;
  items: FeedNode[];
}

export interface MapOptions {
  url: string;
  timeZone: string;
  now: Date;
}

/** Every channel child element name mapFeedDocument reads. */
export const CHANNEL_ELEMENTS: readonly string[] = ['title', 'dc:title', 'link', 'atom:link'];
export { ENTRY_ELEMENTS };

function channelLink(channel: FeedNode, format: FeedFormat, base: string): string | undefined {
  if (format === 'atom') return alternateLink(channel.children('link'), base);
  for (const link of channel.children('link')) {
    const href = (link.attr('href') ?? link.text()).trim();
    const url = href ? httpUrl(href, withBase(base, link)) : undefined;
    if (url) return url.href;
  }
  return alternateLink(channel.children('atom:link'), base);
}

/** The ParsedSource of `doc`, fetched from `options.url`. */
export function mapFeedDocument(doc: FeedDocument, options: MapOptions): ParsedSource {
  const rootBase = withBase(options.url, doc.root);
  const channelBase = withBase(rootBase, doc.channel);
  // RSS 2.0 items sit inside the channel; RSS 1.0 items and Atom entries do not (Atom's channel is the root).
  const itemBase = doc.format === 'rdf' ? rootBase : channelBase;
  const items: RawItem[] = doc.items.map((item) =>
    mapEntry(item, { format: doc.format, base: itemBase, timeZone: options.timeZone, now: options.now }),
  );
  const source: ParsedSource = { format: doc.format, items };
  const channel = doc.channel;
  if (channel) {
    const title = plainText(channel.children('title')[0] ?? channel.children('dc:title')[0], doc.format);
    const link = channelLink(channel, doc.format, channelBase);
    if (title) source.title = title;
    if (link) source.link = link;
  }
  return source;
}
