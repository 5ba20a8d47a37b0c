/**
 * The main reader: rss-parser (xml2js on sax, strict) finds the channel and the entries of
 * RSS 0.9x/2.0, RSS 1.0 and Atom, and hands back each entry's raw elements through
 * `customFields` with `keepArray`, which feed-map.ts then reads like any other tree.
 * It reads element names literally and xml2js cannot keep the order of mixed content, so
 * this reader declines (returns undefined) where it would read wrongly, and parseFeed
 * falls back to the DOM reader: namespaces bound to unconventional prefixes, inline XHTML
 * in a text construct, or entries in the text that rss-parser did not return.
 * Safety: input has been through xml-repair.ts (no DOCTYPE, so no entity expansion), sax
 * never fetches anything, xml2js builds its objects with null prototypes, and only fixed
 * element names are ever looked up, so `<__proto__>` elements reach no prototype.
 */
import Parser from 'rss-parser';
import { type FeedDocument, CHANNEL_ELEMENTS, ENTRY_ELEMENTS } from './feed-map.js';
import { type FeedNode, ATOM_NAMESPACES, CONVENTIONAL_PREFIXES, RSS_NAMESPACES } from './feed-node.js';
import { TEXT_CONSTRUCTS } from './feed-entry.js';
import { type FeedFormat } from './feed-content.js';
import { decodeEntities, escapeHtml } from './feed-text.js';
import { scanProlog } from './xml-prolog.js';

type Fields = Record<string, unknown>;

const RAW = 'tidings:';
const ATTRIBUTES = '$';
const NAMESPACE_DECLARATION = /\sxmlns(?::([\w.-]+))?\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const ENTRY_TAG = /<(?:[\w.-]+:)?(?:item|entry)[\s>/]/;
const ATTRIBUTE = /([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function own(record: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** A FeedNode over an xml2js value: a string (text only) or an object with `_`, `$` and child arrays. */
class Xml2jsNode implements FeedNode {
  constructor(
    readonly name: string,
    private readonly value: unknown,
  ) {}

  attr(name: string): string | undefined {
    const attributes = isRecord(this.value) ? own(this.value, ATTRIBUTES) : undefined;
    const value = isRecord(attributes) ? own(attributes, name) : undefined;
    return typeof value === 'string' ? value : undefined;
  }

  children(name: string): FeedNode[] {
    const list = isRecord(this.value) && name !== ATTRIBUTES && name !== '_' ? own(this.value, name) : undefined;
    return Array.isArray(list) ? list.map((child: unknown) => new Xml2jsNode(name, child)) : [];
  }

  private childNames(): string[] {
    return isRecord(this.value) ? Object.keys(this.value).filter((key) => key !== ATTRIBUTES && key !== '_') : [];
  }

  private ownText(): string {
    const text = isRecord(this.value) ? own(this.value, '_') : this.value;
    return typeof text === 'string' ? text : '';
  }

  text(): string {
    const childText = this.childNames().flatMap((name) => this.children(name).map((child) => child.text()));
    return [this.ownText(), ...childText].join('');
  }

  /**
   * Text escaped, then child elements grouped by name: xml2js keeps no order across text
   * and differently named children, which is why readWithRssParser declines documents
   * whose text constructs hold elements, and this is only a best effort for the rest.
   */
  markup(): string {
    const children = this.childNames().flatMap((name) => this.children(name).map((child) => `<${name}>${child.markup()}</${name}>`));
    return escapeHtml(this.ownText()) + children.join('');
  }

  hasElementChildren(): boolean {
    return this.childNames().length > 0;
  }
}

/** A synthetic element over the raw fields rss-parser copied for us (`tidings:title` …). */
function nodeFromFields(name: string, fields: Fields, elementNames: readonly string[]): FeedNode {
  const value: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const element of [ATTRIBUTES, ...elementNames]) {
    const raw = own(fields, RAW + element);
    if (raw !== undefined) value[element] = raw;
  }
  return new Xml2jsNode(name, value);
}

/** The root start tag's attributes as a FeedNode (rss-parser does not expose the root element). */
function rootNode(text: string, start: number, name: string): FeedNode {
  const end = text.indexOf('>', start);
  const tag = text.slice(start, end === -1 ? text.length : end);
  const attributes: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const match of tag.matchAll(ATTRIBUTE)) {
    if (match[1] !== undefined) attributes[match[1]] = decodeEntities(match[2] ?? match[3] ?? '');
  }
  const value: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  value[ATTRIBUTES] = attributes;
  return new Xml2jsNode(name, value);
}

function customFields(elementNames: readonly string[]): string[][] {
  return [ATTRIBUTES, ...elementNames].map((name) => [name, RAW + name]);
}

function createParser(): Parser<Fields, Fields> {
  const keepArray = { keepArray: true };
  const fields = (names: readonly string[]) => customFields(names).map((pair) => [...pair, keepArray]);
  return new Parser<Fields, Fields>({
    defaultRSS: 2,
    customFields: {
      // rss-parser's typings only list the plain-name form for feed fields; the runtime takes both.
      feed: fields(CHANNEL_ELEMENTS) as unknown as string[],
      item: fields(ENTRY_ELEMENTS) as unknown as string[][],
    },
  });
}

/**
 * Whether every namespace is bound to the prefix feed-map.ts reads it by (or is a
 * default namespace of the feed formats or XHTML); rss-parser reads names literally.
 */
export function usesConventionalPrefixes(text: string, format: FeedFormat): boolean {
  const core = format === 'atom' ? ATOM_NAMESPACES : RSS_NAMESPACES;
  for (const match of text.matchAll(NAMESPACE_DECLARATION)) {
    const prefix = match[1];
    const uri = (match[2] ?? match[3] ?? '').trim();
    if (prefix === undefined) {
      if (!core.has(uri) && CONVENTIONAL_PREFIXES.get(uri) !== 'xhtml') return false;
    } else if (core.has(uri) || (CONVENTIONAL_PREFIXES.get(uri) ?? prefix) !== prefix) {
      return false;
    }
  }
  return true;
}

/** The roots rss-parser recognizes, by their literal names. */
const FORMATS = new Map<string, FeedFormat>([
  ['rss', 'rss'],
  ['feed', 'atom'],
  ['rdf:RDF', 'rdf'],
]);

/** Whether some text construct holds inline elements, whose order xml2js loses. */
function needsDomReader(nodes: FeedNode[]): boolean {
  return nodes.some((node) => TEXT_CONSTRUCTS.some((name) => node.children(name).some((child) => child.hasElementChildren())));
}

/**
 * The feed in `text` (already repaired) as rss-parser reads it, or undefined when this
 * reader declines or rss-parser fails; never throws.
 */
export async function readWithRssParser(text: string): Promise<FeedDocument | undefined> {
  const prolog = scanProlog(text);
  const format = prolog.root && FORMATS.get(prolog.root.name);
  if (!prolog.root || !format || !usesConventionalPrefixes(text, format)) return undefined;
  let output: Parser.Output<Fields> & Fields;
  try {
    output = await createParser().parseString(text);
  } catch {
    return undefined;
  }
  const channel = nodeFromFields(format === 'atom' ? 'feed' : 'channel', output, CHANNEL_ELEMENTS);
  const items = output.items.map((item) => nodeFromFields(format === 'atom' ? 'entry' : 'item', item, ENTRY_ELEMENTS));
  if (needsDomReader([channel, ...items])) return undefined;
  if (items.length === 0 && ENTRY_TAG.test(text)) return undefined;
  const root = format === 'atom' ? undefined : rootNode(text, prolog.root.start, prolog.root.name);
  return { format, root, channel, items };
}
