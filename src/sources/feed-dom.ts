/**
 * The tolerant reader, for what rss-parser cannot read or reads wrongly: linkedom's XML
 * parser (htmlparser2 in XML mode) builds a DOM from any text, closing what was left open
 * and keeping mixed content in order, and never expands entities or fetches anything.
 * Element names are resolved through the namespace declarations in scope, so `rss:item`
 * under `xmlns:rss="http://purl.org/rss/1.0/"` is an item and `foo:creator` under the
 * Dublin Core URI is `dc:creator`. Returns undefined when the document has no feed root.
 */
import { DOMParser } from 'linkedom';
import { type FeedDocument } from './feed-map.js';
import { type FeedFormat } from './feed-content.js';
import { type FeedNode, ATOM_NAMESPACES, CONVENTIONAL_PREFIXES, RSS_NAMESPACES } from './feed-node.js';
import { escapeHtml } from './feed-text.js';

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;

/** The parts of a linkedom node this reader uses. */
interface DomNodeLike {
  nodeType: number;
  textContent: string | null;
}
interface DomElementLike extends DomNodeLike {
  tagName: string;
  attributes: Iterable<{ name: string; value: string }>;
  children: Iterable<DomElementLike>;
  childNodes: Iterable<DomNodeLike>;
  getAttribute(name: string): string | null;
  toString(): string;
}

interface Scope {
  namespaces: ReadonlyMap<string, string>;
  core: ReadonlySet<string>;
}

function splitName(qualified: string): [string, string] {
  const colon = qualified.indexOf(':');
  return colon === -1 ? ['', qualified] : [qualified.slice(0, colon), qualified.slice(colon + 1)];
}

/** The namespace map in force inside `element`. */
function extendScope(element: DomElementLike, namespaces: ReadonlyMap<string, string>): ReadonlyMap<string, string> {
  let extended: Map<string, string> | undefined;
  for (const { name, value } of element.attributes) {
    if (name !== 'xmlns' && !name.startsWith('xmlns:')) continue;
    extended ??= new Map(namespaces);
    extended.set(name === 'xmlns' ? '' : name.slice(6), value.trim());
  }
  return extended ?? namespaces;
}

/** Canonical name: bare for the format's own namespaces, conventional prefix for known ones. */
function canonicalName(qualified: string, scope: Scope): string {
  const [prefix, local] = splitName(qualified);
  const uri = scope.namespaces.get(prefix) ?? (prefix === '' ? '' : undefined);
  if (uri === undefined) return qualified;
  if (scope.core.has(uri)) return local;
  const conventional = CONVENTIONAL_PREFIXES.get(uri);
  return conventional ? `${conventional}:${local}` : qualified;
}

/** The children of `element` as markup: elements as written, text and CDATA escaped. */
function childMarkup(element: DomElementLike): string {
  const parts: string[] = [];
  for (const node of element.childNodes) {
    if (node.nodeType === ELEMENT_NODE) parts.push(String(node));
    else if (node.nodeType === TEXT_NODE || node.nodeType === CDATA_SECTION_NODE) parts.push(escapeHtml(node.textContent ?? ''));
  }
  return parts.join('');
}

class DomNode implements FeedNode {
  readonly name: string;
  private readonly scope: Scope;
  private childList: DomNode[] | undefined;

  constructor(
    private readonly element: DomElementLike,
    parentScope: Scope,
  ) {
    this.scope = { core: parentScope.core, namespaces: extendScope(element, parentScope.namespaces) };
    this.name = canonicalName(element.tagName, this.scope);
  }

  attr(name: string): string | undefined {
    return this.element.getAttribute(name) ?? undefined;
  }

  private allChildren(): DomNode[] {
    this.childList ??= [...this.element.children].map((child) => new DomNode(child, this.scope));
    return this.childList;
  }

  children(name: string): FeedNode[] {
    return this.allChildren().filter((child) => child.name === name);
  }

  text(): string {
    return this.element.textContent ?? '';
  }

  markup(): string {
    return childMarkup(this.element);
  }

  hasElementChildren(): boolean {
    return this.allChildren().length > 0;
  }
}

/** A value the reader presents as an element (a CDF attribute such as `HREF` read as `link`). */
class ValueNode implements FeedNode {
  constructor(
    readonly name: string,
    private readonly value: string,
  ) {}
  attr(): string | undefined {
    return undefined;
  }
  children(): FeedNode[] {
    return [];
  }
  text(): string {
    return this.value;
  }
  markup(): string {
    return escapeHtml(this.value);
  }
  hasElementChildren(): boolean {
    return false;
  }
}

/**
 * An element under a bare `<channel>` root, read as RSS: CDF (Microsoft's Channel Definition
 * Format, `<CHANNEL HREF="…"><TITLE>…</TITLE><ITEM HREF="…" LASTMOD="…"><ABSTRACT>…`, what
 * feedparser also reads) and RSS that lost its `<rss>` wrapper. Names match in any case;
 * `link` is the `link` child, else the `HREF` attribute; `description` the `description`
 * child, else `ABSTRACT`; `updated` the `LASTMOD` attribute (feedparser's reading).
 */
class ChannelRootNode implements FeedNode {
  readonly name: string;
  private childList: ChannelRootNode[] | undefined;

  constructor(private readonly element: DomElementLike) {
    this.name = element.tagName.toLowerCase();
  }

  attr(name: string): string | undefined {
    return this.element.getAttribute(name) ?? this.element.getAttribute(name.toUpperCase()) ?? undefined;
  }

  private allChildren(): ChannelRootNode[] {
    this.childList ??= [...this.element.children].map((child) => new ChannelRootNode(child));
    return this.childList;
  }

  private named(name: string): FeedNode[] {
    const lower = name.toLowerCase();
    return this.allChildren().filter((child) => child.name === lower);
  }

  private fromAttribute(name: string, attribute: string): FeedNode[] {
    const value = this.attr(attribute)?.trim();
    return value ? [new ValueNode(name, value)] : [];
  }

  children(name: string): FeedNode[] {
    const found = this.named(name);
    if (found.length > 0) return found;
    if (name === 'link') return this.fromAttribute('link', 'href');
    if (name === 'description') return this.named('abstract');
    if (name === 'updated') return this.fromAttribute('updated', 'lastmod');
    return [];
  }

  text(): string {
    return this.element.textContent ?? '';
  }

  markup(): string {
    return childMarkup(this.element);
  }

  hasElementChildren(): boolean {
    return this.allChildren().length > 0;
  }

  /** Items of this channel and of the channels nested in it (CDF nests them), in order. */
  items(): FeedNode[] {
    return this.allChildren().flatMap((child) => (child.name === 'item' ? [child] : child.name === 'channel' ? child.items() : []));
  }
}

const ROOT_FORMATS = new Map<string, FeedFormat>([
  ['rss', 'rss'],
  ['feed', 'atom'],
  ['rdf', 'rdf'],
]);

/** The feed in `text` as linkedom reads it, or undefined when its root is not a feed root. */
export function readWithDom(text: string): FeedDocument | undefined {
  const document = new DOMParser().parseFromString(text, 'text/xml');
  const element = document.documentElement as unknown as DomElementLike | null;
  if (!element) return undefined;
  const rootName = splitName(element.tagName)[1].toLowerCase();
  if (rootName === 'channel') {
    const channel = new ChannelRootNode(element);
    return { format: 'rss', channel, items: channel.items() };
  }
  const format = ROOT_FORMATS.get(rootName);
  if (!format) return undefined;
  const root = new DomNode(element, {
    namespaces: new Map(),
    core: format === 'atom' ? ATOM_NAMESPACES : RSS_NAMESPACES,
  });
  // An Atom feed with RSS's <item> for <entry> (feedparser reads those too).
  if (format === 'atom') return { format, channel: root, items: [...root.children('entry'), ...root.children('item')] };
  const channel = root.children('channel')[0];
  const items = [...(channel?.children('item') ?? []), ...root.children('item')];
  return { format, root, channel, items };
}
