/**
 * Feed documents to ParsedSource: RSS 0.9x, 1.0 (RDF) and 2.0, Atom 0.3 and 1.0, and
 * JSON Feed 1.0/1.1. The text is classified first (detect-kind.ts): JSON Feeds are read
 * directly, and XML is repaired (xml-repair.ts: junk, DOCTYPE, bare `&`, HTML entities,
 * forbidden characters) and read by rss-parser, falling back to a tolerant DOM reader
 * where rss-parser fails, declines or finds no entries in a document that has some.
 * Whatever is not a feed (an HTML page, an empty body, JSON of another shape, XML of
 * another vocabulary) throws FeedParseError saying what came instead; nothing else throws.
 */
import type { ParsedSource } from '../domain/article.js';
import { detectDocumentKind } from './detect-kind.js';
import { FeedParseError, notAFeedError } from './feed-error.js';
import { readWithDom } from './feed-dom.js';
import { mapFeedDocument } from './feed-map.js';
import { readWithRssParser } from './feed-rss-parser.js';
import { parseJsonFeed } from './json-feed.js';
import { repairXml } from './xml-repair.js';

export { FeedParseError } from './feed-error.js';

export interface ParseFeedOptions {
  /** The URL the document came from: the base of relative links. */
  url: string;
  /** IANA zone for dates that carry none (the `DEFAULT_TIMEZONE` setting). */
  timeZone: string;
  /** Reference time for relative dates; default now. */
  now?: Date;
}

async function parseXmlFeed(text: string, options: ParseFeedOptions): Promise<ParsedSource> {
  const { text: repaired, repairs } = repairXml(text);
  const document = (await readWithRssParser(repaired)) ?? readWithDom(repaired);
  if (!document) throw notAFeedError(text, 'feed');
  const parsed = mapFeedDocument(document, { url: options.url, timeZone: options.timeZone, now: options.now ?? new Date() });
  return repairs.length > 0 ? { ...parsed, repairs } : parsed;
}

/**
 * The feed in `text`, fetched from `options.url`. Throws FeedParseError when `text` is
 * not a feed; never anything else.
 */
export async function parseFeed(text: string, options: ParseFeedOptions): Promise<ParsedSource> {
  const kind = detectDocumentKind(text);
  try {
    if (kind === 'json-feed') return parseJsonFeed(text, options);
    if (kind === 'feed') return await parseXmlFeed(text, options);
  } catch (error) {
    if (error instanceof FeedParseError) throw error;
    throw new FeedParseError(`could not read the feed: ${(error as Error).message}`, { cause: error });
  }
  throw notAFeedError(text, kind);
}
