/**
 * What comes before a document's root element. `scanProlog` walks the start of a text
 * the way an XML parser would (XML declaration, comments, processing instructions,
 * DOCTYPE with its internal subset) and finds the root element, tolerating the junk real
 * servers put first: byte-order marks, blank lines, and the HTML of PHP warnings
 * (`<br /><b>Warning</b>: …`). An element that is not a feed root (rss, feed, *:RDF) is
 * taken as junk while a feed root follows within the scan limit; otherwise the first
 * element is the root. Used by detect-kind.ts (what is this document?) and xml-repair.ts
 * (cut the junk, drop the DOCTYPE).
 */

export interface PrologScan {
  /** The `<?xml …?>` declaration, when there is one before the root. */
  declaration?: { start: number; end: number };
  /** The root element: where its start tag begins and its qualified name. */
  root?: { start: number; name: string };
  /** Whether the root is an RSS, Atom or RDF root (`rss`, `feed`, `*:RDF`, any case). */
  feedRoot: boolean;
  /** DOCTYPE declarations before the root, as [start, end) ranges. */
  doctypes: [number, number][];
  /** Characters before the root that are neither markup declarations nor blank. */
  junkChars: number;
}

const NAME = /[A-Za-z_][\w.:-]*/y;
const FEED_ROOT = /^(?:[\w.-]+:)?(?:rss|feed|rdf)$/i;
/** A bare `<channel>` as the document element: CDF, or RSS that lost its `<rss>` wrapper. */
const CHANNEL_ROOT = /^channel$/i;
const WHITESPACE = /[\s\uFEFF]/;
const DEFAULT_LIMIT = 65_536;

/** Whether a qualified element name is an RSS, Atom or RDF root. */
export function isFeedRootName(name: string): boolean {
  return FEED_ROOT.test(name);
}

/** End (exclusive) of the DOCTYPE starting at `start`: quotes and the `[ … ]` subset skipped. */
export function doctypeEnd(text: string, start: number): number {
  let quote = '';
  let depth = 0;
  for (let i = start + 2; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
    else if (c === '>' && depth === 0) return i + 1;
  }
  return text.length;
}

/** End (exclusive) of the construct `open…close` at `start`, or the end of the text. */
function endOf(text: string, start: number, close: string): number {
  const at = text.indexOf(close, start);
  return at === -1 ? text.length : at + close.length;
}

function readName(text: string, at: number): string | undefined {
  NAME.lastIndex = at;
  return NAME.exec(text)?.[0];
}

/** Scans the start of `text` (at most `limit` characters past the first element) for the root. */
export function scanProlog(text: string, limit = DEFAULT_LIMIT): PrologScan {
  const scan: PrologScan = { feedRoot: false, doctypes: [], junkChars: 0 };
  let firstElement: { start: number; name: string; junkBefore: number } | undefined;
  let i = 0;
  while (i < text.length && (!firstElement || i - firstElement.start < limit)) {
    const c = text[i] ?? '';
    if (WHITESPACE.test(c)) {
      i++;
    } else if (text.startsWith('<?', i)) {
      const end = endOf(text, i, '?>');
      if (/^<\?xml[\s?]/.test(text.slice(i, i + 6)) && !scan.declaration) scan.declaration = { start: i, end };
      i = end;
    } else if (text.startsWith('<!--', i)) {
      i = endOf(text, i + 4, '-->');
    } else if (text.startsWith('<!', i) && /^<!doctype/i.test(text.slice(i, i + 9))) {
      const end = doctypeEnd(text, i);
      scan.doctypes.push([i, end]);
      i = end;
    } else {
      const name = c === '<' ? readName(text, i + 1) : undefined;
      if (name && (isFeedRootName(name) || (!firstElement && CHANNEL_ROOT.test(name)))) {
        scan.root = { start: i, name };
        scan.feedRoot = true;
        return scan;
      }
      if (name && !firstElement) firstElement = { start: i, name, junkBefore: scan.junkChars };
      const next = text.indexOf('<', i + 1);
      const end = next === -1 ? text.length : next;
      scan.junkChars += end - i;
      i = end;
    }
  }
  if (firstElement) {
    scan.root = { start: firstElement.start, name: firstElement.name };
    scan.junkChars = firstElement.junkBefore;
  }
  return scan;
}
