/**
 * Telegram HTML, the small subset the Bot API parses (`parse_mode: 'HTML'`): text is escaped
 * (`&` `<` `>` `"`), markup is a handful of tags, and a message is built from pieces that
 * are either escaped text or whole tags, so nothing ever cuts a tag or an entity in half.
 *
 * - `escapeHtml` escapes a text for a text node or a double-quoted attribute.
 * - `Segment` is a run of text with optional formatting (bold, italic, code, a link);
 *   `renderSegments` turns segments into HTML; `segmentsText` gives their plain text.
 * - `fitSegments` cuts segments to a budget of HTML length (UTF-16 units), at a sentence
 *   end when one keeps most of the text, else at a character, and adds an ellipsis. Cuts
 *   fall between code points and only in text: tags are added around what is kept.
 * - `htmlToPlain` turns Telegram HTML back into plain text (the fallback when Telegram
 *   refuses the markup): tags dropped, the four named entities and numeric ones decoded.
 */

/** Escape text for Telegram HTML (text nodes and double-quoted attribute values). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

/** A run of text and how it is shown. */
export interface Segment {
  text: string;
  bold?: boolean;
  italic?: boolean;
  code?: boolean;
  /** An http(s) URL: the text becomes a link. */
  href?: string;
}

function open(s: Segment): string {
  let out = '';
  if (s.href !== undefined) out += `<a href="${escapeHtml(s.href)}">`;
  if (s.bold) out += '<b>';
  if (s.italic) out += '<i>';
  if (s.code) out += '<code>';
  return out;
}

function close(s: Segment): string {
  let out = '';
  if (s.code) out += '</code>';
  if (s.italic) out += '</i>';
  if (s.bold) out += '</b>';
  if (s.href !== undefined) out += '</a>';
  return out;
}

/** HTML of one segment; an empty text gives an empty string (no empty tags). */
export function renderSegment(s: Segment): string {
  if (s.text === '') return '';
  return `${open(s)}${escapeHtml(s.text)}${close(s)}`;
}

export function renderSegments(segments: readonly Segment[]): string {
  return segments.map(renderSegment).join('');
}

export function segmentsText(segments: readonly Segment[]): string {
  return segments.map((s) => s.text).join('');
}

/**
 * Sentence ends: Chinese and Latin full stops, question and exclamation marks, semicolons.
 * A Latin full stop counts only before white space (not `3.5`, not a cut `3.`).
 */
const SENTENCE_END = /[。！？；!?;]|\.(?=\s)/gu;

const ELLIPSIS = '…';

/**
 * Cut `segments` so that their HTML is at most `budget` UTF-16 units. Whole when they fit.
 * Otherwise the text is cut at the last sentence end that keeps at least `minKeep` of what
 * fits (default 40 %), else at the last whole code point that fits, with `…` appended.
 */
export function fitSegments(segments: readonly Segment[], budget: number, minKeep = 0.4): Segment[] {
  if (renderSegments(segments).length <= budget) return segments.map((s) => ({ ...s }));
  const room = budget - ELLIPSIS.length;
  if (room <= 0) return [];
  // Keep code points while the HTML (with each segment's tags) still fits.
  const kept: Segment[] = [];
  let used = 0;
  for (const s of segments) {
    const wrap = open(s).length + close(s).length;
    let text = '';
    let size = wrap;
    for (const ch of s.text) {
      const add = escapeHtml(ch).length;
      if (used + size + add > room) break;
      text += ch;
      size += add;
    }
    if (text !== '') {
      kept.push({ ...s, text });
      used += size;
    }
    if (text.length < s.text.length) break;
  }
  return cutAtSentence(kept, minKeep);
}

/** Keep the text up to the last sentence end when that keeps enough, else add an ellipsis. */
function cutAtSentence(kept: Segment[], minKeep: number): Segment[] {
  const full = segmentsText(kept);
  let end = -1;
  for (const m of full.matchAll(SENTENCE_END)) end = m.index + m[0].length;
  if (end > 0 && end >= full.length * minKeep) return sliceSegments(kept, end);
  const out = sliceSegments(kept, full.trimEnd().length);
  out.push({ text: ELLIPSIS });
  return out;
}

/** The first `end` UTF-16 units of the segments' text, formatting kept. */
function sliceSegments(segments: readonly Segment[], end: number): Segment[] {
  const out: Segment[] = [];
  let pos = 0;
  for (const s of segments) {
    if (pos >= end) break;
    const text = s.text.slice(0, end - pos);
    if (text !== '') out.push({ ...s, text });
    pos += s.text.length;
  }
  return out;
}

/** Cut a plain string to at most `max` code points, with an ellipsis when cut. */
export function truncateText(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('').trimEnd()}${ELLIPSIS}`;
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

/** Decode the entities Telegram accepts: the four named ones and numeric ones. */
export function decodeEntities(html: string): string {
  return html.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[name.toLowerCase()] ?? whole;
  });
}

/** Telegram HTML → plain text: tags removed, entities decoded. */
export function htmlToPlain(html: string): string {
  return decodeEntities(html.replace(/<[^>]*>/g, ''));
}

/** True for an absolute http(s) URL (the only links alerts make). */
export function isWebUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
