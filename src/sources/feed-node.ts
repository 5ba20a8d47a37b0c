/**
 * The view of an XML element that feed-map.ts reads entries through, whichever parser
 * produced the tree (rss-parser's xml2js objects or linkedom's DOM). Names are canonical:
 * elements of the document's own format (RSS, RSS 1.0, Atom) carry their bare local name,
 * elements of other known namespaces their conventional prefix (`dc:creator`,
 * `content:encoded`, `atom:link` inside RSS), unknown ones their name as written.
 */
export interface FeedNode {
  /** Canonical qualified name. */
  readonly name: string;
  /** Attribute value by qualified name as written (`href`, `xml:base`, `rdf:about`). */
  attr(name: string): string | undefined;
  /** Child elements with this canonical name, in document order. */
  children(name: string): FeedNode[];
  /** The text of the element and its descendants, references decoded, CDATA included. */
  text(): string;
  /** The children as markup (inline XHTML), text escaped. */
  markup(): string;
  /** Whether the element has child elements (inline markup rather than text). */
  hasElementChildren(): boolean;
}

/** Namespace URI → the prefix feed-map.ts knows its elements by. */
export const CONVENTIONAL_PREFIXES: ReadonlyMap<string, string> = new Map([
  ['http://purl.org/dc/elements/1.1/', 'dc'],
  ['http://purl.org/dc/terms/', 'dcterms'],
  ['http://purl.org/rss/1.0/modules/content/', 'content'],
  ['http://www.itunes.com/dtds/podcast-1.0.dtd', 'itunes'],
  ['http://www.itunes.com/DTDs/Podcast-1.0.dtd', 'itunes'],
  ['http://search.yahoo.com/mrss/', 'media'],
  ['http://search.yahoo.com/mrss', 'media'],
  ['http://rssnamespace.org/feedburner/ext/1.0', 'feedburner'],
  ['http://www.w3.org/1999/02/22-rdf-syntax-ns#', 'rdf'],
  ['http://www.w3.org/2005/Atom', 'atom'],
  ['http://purl.org/atom/ns#', 'atom'],
  ['http://www.w3.org/1999/xhtml', 'xhtml'],
]);

/** Namespaces whose elements are a feed format's own (read by their bare local name). */
export const RSS_NAMESPACES: ReadonlySet<string> = new Set([
  '',
  'http://purl.org/rss/1.0/',
  'http://my.netscape.com/rdf/simple/0.9/',
  'http://backend.userland.com/rss2',
  'http://backend.userland.com/rss',
  'http://blogs.law.harvard.edu/tech/rss',
]);
export const ATOM_NAMESPACES: ReadonlySet<string> = new Set(['', 'http://www.w3.org/2005/Atom', 'http://purl.org/atom/ns#']);

/** The first non-blank text among the children named `names` (in that order of preference). */
export function firstText(node: FeedNode, names: readonly string[]): string | undefined {
  for (const name of names) {
    for (const child of node.children(name)) {
      const text = child.text().trim();
      if (text) return text;
    }
  }
  return undefined;
}

/** The first child among `names` (in that order of preference). */
export function firstChild(node: FeedNode, names: readonly string[]): FeedNode | undefined {
  for (const name of names) {
    const child = node.children(name)[0];
    if (child) return child;
  }
  return undefined;
}
