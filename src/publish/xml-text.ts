/**
 * Text hygiene for everything tidings writes into XML (Atom, RSS, OPML) and feed titles.
 * XML 1.0 forbids C0 controls other than tab, LF and CR, lone UTF-16 surrogates and
 * U+FFFE/U+FFFF; one of them anywhere makes a whole document unreadable, and the `feed`
 * package passes them through, so every string is cleaned before it is rendered.
 * `truncateTitle` turns an arbitrary scraped title (newlines, runs of spaces, 100 KB of
 * junk) into one line of at most `max` characters, cut between words where it can be and
 * ended with `…`. The escapers are for hand-written markup (injected Atom elements, OPML)
 * and for plain text that goes into an HTML context (Atom/RSS titles and summaries).
 */

/** Characters XML 1.0 does not allow: C0 controls except \t \n \r, lone surrogates, U+FFFE, U+FFFF. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const XML_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|\p{Cs}/gu;
/** The XML-illegal set plus DEL and the C1 controls (legal XML, but never meaningful text). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|\p{Cs}/gu;

/** Removes the characters XML 1.0 forbids (see XML_ILLEGAL); everything else is kept as is. */
export function cleanXmlText(s: string): string {
  XML_ILLEGAL.lastIndex = 0;
  if (!XML_ILLEGAL.test(s)) return s;
  XML_ILLEGAL.lastIndex = 0;
  return s.replace(XML_ILLEGAL, '');
}

/**
 * Removes control characters: what `cleanXmlText` removes, plus DEL and C1 controls
 * (U+007F–U+009F). Tab, LF and CR are kept.
 */
export function stripControlChars(s: string): string {
  CONTROL_CHARS.lastIndex = 0;
  if (!CONTROL_CHARS.test(s)) return s;
  CONTROL_CHARS.lastIndex = 0;
  return s.replace(CONTROL_CHARS, '');
}

/** Control characters removed and every run of whitespace (incl. newlines, U+3000) made one space, trimmed. */
export function collapseWhitespace(s: string): string {
  return stripControlChars(s).replace(/\s+/gu, ' ').trim();
}

const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });
const words = new Intl.Segmenter('zh', { granularity: 'word' });
const ELLIPSIS = '…';
/** Punctuation that should not end a cut title: separators and opening brackets/quotes. */
const DANGLING_TAIL = /[\s,，、;；:：\-–—/|·(（[【《〈「『“‘<{]+$/u;
/** A cut at word boundaries shorter than this share of the limit falls back to a character cut. */
const MIN_WORD_CUT_SHARE = 0.6;

/** Whether `s` has more than `max` grapheme clusters; stops counting at max + 1. */
function exceeds(s: string, max: number): boolean {
  let n = 0;
  for (const _ of graphemes.segment(s)) if (++n > max) return true;
  return false;
}

function graphemeCount(s: string): number {
  let n = 0;
  for (const _ of graphemes.segment(s)) n++;
  return n;
}

function cutGraphemes(s: string, limit: number): string {
  let out = '';
  let n = 0;
  for (const { segment } of graphemes.segment(s)) {
    if (n === limit) break;
    out += segment;
    n++;
  }
  return out;
}

/**
 * Code units of the title examined for cutting. ICU segmentation slows down sharply on long
 * strings, so a 100 KB title is cut from a prefix that holds `max` clusters of up to this
 * many code units each.
 */
const UNITS_PER_CLUSTER = 8;

/**
 * One-line title of at most `max` characters (grapheme clusters): control characters removed,
 * whitespace collapsed, and when too long cut at the last word boundary that fits (Chinese
 * words are found by ICU's dictionary segmentation), falling back to a character cut when one
 * word is longer than most of the limit, then ended with `…`. Separators and opening
 * brackets are not left dangling before the ellipsis.
 */
export function truncateTitle(s: string, max = 300): string {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`truncateTitle: max must be a positive integer, got ${max}`);
  const line = collapseWhitespace(s);
  // UTF-16 length bounds the number of grapheme clusters from above.
  if (line.length <= max) return line;
  const head = line.slice(0, max * UNITS_PER_CLUSTER + UNITS_PER_CLUSTER);
  if (head.length === line.length && !exceeds(line, max)) return line;
  if (max === 1) return ELLIPSIS;
  const limit = max - 1;
  let cut = '';
  let n = 0;
  for (const { segment } of words.segment(head)) {
    const len = graphemeCount(segment);
    if (n + len > limit) break;
    cut += segment;
    n += len;
  }
  if (n < limit * MIN_WORD_CUT_SHARE) cut = cutGraphemes(head, limit);
  // The prefix may end inside a surrogate pair when clusters are pathologically long.
  cut = cleanXmlText(cut);
  const trimmed = cut.replace(DANGLING_TAIL, '');
  return (trimmed.length > 0 ? trimmed : cut.trimEnd()) + ELLIPSIS;
}

/** Escapes `& < > "` (and `'`): safe for XML/HTML text and for double- or single-quoted attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      default:
        return '&#39;';
    }
  });
}

/** Plain text as HTML text: `& < >` escaped, so it reads back as the same text. */
export function escapeHtmlText(s: string): string {
  return s.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}
