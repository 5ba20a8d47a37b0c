/**
 * Makes almost-XML parseable before a strict parser sees it, in one linear pass and
 * without ever expanding an entity. Repairs, each reported: junk before the prolog or
 * root element (BOM leftovers, PHP/HTML warnings) and after the root element is cut; the
 * DOCTYPE is removed with its internal subset, so entity declarations (billion laughs,
 * `SYSTEM "file:///etc/passwd"`) are never seen by a parser and references to them stay
 * literal text; characters XML 1.0 forbids (C0 controls but tab/LF/CR, U+FFFE, U+FFFF,
 * lone surrogates) and numeric references to them are removed; a bare `&` that starts no
 * valid reference is escaped; HTML named entities XML does not know (`&nbsp;`) become
 * numeric references. CDATA sections and comments are left as they are except for
 * forbidden characters.
 */
import { HTML_ENTITIES, XML_ENTITIES } from './html-entities.js';
import { scanProlog } from './xml-prolog.js';

export interface XmlRepairResult {
  text: string;
  /** One line per kind of repair made, e.g. `escaped 3 bare &`; empty when none. */
  repairs: string[];
}

interface Counts {
  bareAmpersands: number;
  htmlEntities: number;
  illegalChars: number;
  illegalReferences: number;
}

// One alternation, scanned once: CDATA sections and comments (kept whole), references and
// bare ampersands, and forbidden characters (the `u` flag keeps surrogate pairs whole, so
// the surrogate class only meets lone halves).
const BODY_TOKEN =
  // eslint-disable-next-line no-control-regex -- finding the control characters XML forbids is the point
  /<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<!--[\s\S]*?(?:-->|$)|&(?:#(\d{1,8});|#[xX]([0-9a-fA-F]{1,8});|([A-Za-z_][\w.-]{0,40});)?|[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF\uD800-\uDFFF]/gu;
// eslint-disable-next-line no-control-regex -- as above
const ILLEGAL_CHARS = /[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF\uD800-\uDFFF]/gu;

/** Whether a code point may appear in an XML 1.0 document. */
export function isXmlChar(codePoint: number): boolean {
  return (
    codePoint === 0x9 ||
    codePoint === 0xa ||
    codePoint === 0xd ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    (codePoint >= 0x10000 && codePoint <= 0x10ffff)
  );
}

function stripIllegal(text: string, counts: Counts): string {
  return text.replace(ILLEGAL_CHARS, () => {
    counts.illegalChars++;
    return '';
  });
}

function repairReference(match: string, decimal: string | undefined, hex: string | undefined, name: string | undefined, counts: Counts): string {
  if (decimal !== undefined || hex !== undefined) {
    if (isXmlChar(decimal !== undefined ? Number(decimal) : parseInt(hex ?? '', 16))) return match;
    counts.illegalReferences++;
    return '';
  }
  if (name !== undefined) {
    if (XML_ENTITIES.has(name)) return match;
    const codePoint = HTML_ENTITIES.get(name);
    if (codePoint !== undefined) {
      counts.htmlEntities++;
      return `&#${codePoint};`;
    }
  }
  counts.bareAmpersands++;
  return `&amp;${match.slice(1)}`;
}

function repairBody(body: string, counts: Counts): string {
  return body.replace(BODY_TOKEN, (match, decimal?: string, hex?: string, name?: string) => {
    if (match.startsWith('<')) return stripIllegal(match, counts);
    if (match.startsWith('&')) return repairReference(match, decimal, hex, name, counts);
    counts.illegalChars++;
    return '';
  });
}

/** End (exclusive) of the root element's last end tag `</name>`, or -1 when it has none. */
function rootEnd(text: string, rootName: string): number {
  const open = `</${rootName}`;
  for (let at = text.lastIndexOf(open); at !== -1; at = at === 0 ? -1 : text.lastIndexOf(open, at - 1)) {
    const tag = /^\s*>/.exec(text.slice(at + open.length, at + open.length + 64));
    if (tag) return at + open.length + tag[0].length;
  }
  return -1;
}

/** Trailing text after the root that is more than whitespace, comments and PIs. */
function trailingJunk(tail: string): boolean {
  return tail.replace(/<!--[\s\S]*?-->|<\?[\s\S]*?\?>|\s+/g, '').length > 0;
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

function describe(counts: Counts): string[] {
  const repairs: string[] = [];
  if (counts.bareAmpersands) repairs.push(`escaped ${counts.bareAmpersands} bare &`);
  if (counts.htmlEntities) repairs.push(`converted ${plural(counts.htmlEntities, 'HTML entity', 'HTML entities')} to character references`);
  if (counts.illegalChars) repairs.push(`removed ${plural(counts.illegalChars, 'control character')}`);
  if (counts.illegalReferences) repairs.push(`removed ${plural(counts.illegalReferences, 'reference')} to characters XML forbids`);
  return repairs;
}

/** `text` made well-formed where that is possible without guessing, and what was done. */
export function repairXml(text: string): XmlRepairResult {
  const repairs: string[] = [];
  const prolog = scanProlog(text);
  let head = '';
  let body = text;
  if (prolog.root) {
    const declaration = prolog.declaration ? text.slice(prolog.declaration.start, prolog.declaration.end) : '';
    head = declaration ? `${declaration}\n` : '';
    body = text.slice(prolog.root.start);
    if (prolog.junkChars > 0) repairs.push(`removed ${plural(prolog.junkChars, 'character')} of junk before the XML`);
    if (prolog.doctypes.length > 0) repairs.push('removed DOCTYPE');
    const end = rootEnd(body, prolog.root.name);
    if (end !== -1 && trailingJunk(body.slice(end))) {
      repairs.push(`removed ${plural(body.length - end, 'character')} after the root element`);
      body = body.slice(0, end);
    }
  }
  const counts: Counts = { bareAmpersands: 0, htmlEntities: 0, illegalChars: 0, illegalReferences: 0 };
  const repaired = head + repairBody(body, counts);
  return { text: repaired, repairs: [...repairs, ...describe(counts)] };
}
