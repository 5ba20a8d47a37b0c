/**
 * Bytes of a fetched document to text, choosing the charset in this order:
 * explicit override; byte order mark; the HTTP `charset=` parameter; the XML declaration's
 * `encoding` (also for UTF-16/32 without BOM, sniffed from the `<` pattern); an HTML
 * `<meta charset>` in the first 4 KB; detection (chardet, limited to sensible candidates);
 * UTF-8. Unknown labels fall through to the next step.
 *
 * A declared charset is then checked against the bytes: when the bytes are clearly UTF-8 but
 * the page says gb2312 (a page re-saved as UTF-8 that kept its meta), or the declared charset
 * fails on most non-ASCII sequences while another candidate decodes cleanly (GBK bytes sent
 * as `charset=utf-8`), the other charset is used, `via` is 'fallback' and `note` says why.
 */
import { analyse } from 'chardet';
import type { DecodedText } from './types.js';
import { charsetFamily, decodeWithCharset, isWideCharset, MULTIBYTE_LEGACY, normalizeCharset } from './charset-labels.js';

export type DeclarationSource = 'header' | 'prolog' | 'meta';

/** One place the document names its charset; `charset` is undefined for unknown labels. */
export interface CharsetDeclaration {
  source: DeclarationSource;
  /** The label as written, lower-cased and unquoted (e.g. `gb2312`). */
  label: string;
  /** Its canonical name (e.g. `gb18030`), or undefined when the label is unknown. */
  charset?: string;
}

/** The first usable charset the bytes and headers announce, before any validation. */
export interface SniffedCharset {
  charset: string;
  label: string;
  via: 'bom' | DeclarationSource;
}

/** UTF-16/UTF-32 with a known byte order. */
export type WideLayout = 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be';

const BOMS: ReadonlyArray<{ bytes: readonly number[]; charset: WideLayout | 'utf-8' }> = [
  { bytes: [0xef, 0xbb, 0xbf], charset: 'utf-8' },
  { bytes: [0x00, 0x00, 0xfe, 0xff], charset: 'utf-32be' },
  { bytes: [0xff, 0xfe, 0x00, 0x00], charset: 'utf-32le' },
  { bytes: [0xfe, 0xff], charset: 'utf-16be' },
  { bytes: [0xff, 0xfe], charset: 'utf-16le' },
];

/** How many bytes of the body feed detection. */
const DETECTION_SAMPLE = 64 * 1024;
/** How far into the body an HTML `<meta charset>` counts. */
const META_WINDOW = 4096;
/** Valid UTF-8 with at least this many multi-byte sequences beats a declared legacy charset. */
const UTF8_EVIDENCE = 3;

/** The byte order mark at the start of `body`, if any. */
export function detectBom(body: Uint8Array): { charset: string; length: number } | undefined {
  const bom = BOMS.find((b) => b.bytes.every((byte, i) => body[i] === byte));
  return bom && { charset: bom.charset, length: bom.bytes.length };
}

/** UTF-16/UTF-32 without BOM, recognised from a leading `<` padded with NUL bytes. */
export function sniffWideLayout(body: Uint8Array): WideLayout | undefined {
  if (body.length < 4) return undefined;
  const [a, b, c, d] = [body[0], body[1], body[2], body[3]];
  if (a === 0 && b === 0 && c === 0 && d === 0x3c) return 'utf-32be';
  if (a === 0x3c && b === 0 && c === 0 && d === 0) return 'utf-32le';
  if (a === 0 && b === 0x3c && c === 0 && d !== 0) return 'utf-16be';
  if (a === 0x3c && b === 0 && c !== 0 && d === 0) return 'utf-16le';
  return undefined;
}

/** The raw `charset` parameter of a Content-Type header (quotes removed), if present. */
export function charsetFromContentType(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  for (const param of splitParams(contentType).slice(1)) {
    const eq = param.indexOf('=');
    if (eq === -1) continue;
    if (param.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    const value = param.slice(eq + 1).trim().replace(/^["']|["']$/g, '').trim().toLowerCase();
    return value || undefined;
  }
  return undefined;
}

function splitParams(header: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (const ch of header) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"') {
      quote = ch;
    } else if (ch === ';') {
      parts.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  parts.push(current);
  return parts;
}

function isXmlContentType(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return type.endsWith('/xml') || type.endsWith('+xml') || type.includes('/xml-');
}

/** The `encoding` of a leading XML declaration, read in `layout` when the bytes are UTF-16/32. */
export function xmlDeclaredEncoding(body: Uint8Array, layout?: WideLayout): string | undefined {
  const unit = layout?.startsWith('utf-32') ? 4 : layout ? 2 : 1;
  const window = body.subarray(0, 512 * unit);
  const head = layout ? decodeWithCharset(window, layout) : Buffer.from(window).toString('latin1');
  const match = /^\s*<\?xml\s[^>]*?\bencoding\s*=\s*(["'])([^"'<>]{1,40})\1/.exec(head);
  return match?.[2]?.trim().toLowerCase() || undefined;
}

/** The charset named by the first `<meta charset>` / `<meta content="…charset=…">` in 4 KB. */
export function htmlMetaCharset(body: Uint8Array): string | undefined {
  const head = Buffer.from(body.subarray(0, META_WINDOW)).toString('latin1');
  for (const tag of head.matchAll(/<meta\b[^>]*>/gi)) {
    const match = /\bcharset\s*=\s*["']?\s*([^\s"'<>;/]+)/i.exec(tag[0]);
    if (match?.[1]) return match[1].toLowerCase();
  }
  return undefined;
}

/** Every charset declaration of the document, highest priority first (header, prolog, meta). */
export function charsetDeclarations(body: Uint8Array, contentType: string | undefined): CharsetDeclaration[] {
  const layout = detectBom(body) ? undefined : sniffWideLayout(body);
  const out: CharsetDeclaration[] = [];
  const add = (source: DeclarationSource, label: string | undefined): void => {
    if (label) out.push({ source, label, charset: normalizeCharset(label) });
  };
  add('header', charsetFromContentType(contentType));
  add('prolog', xmlDeclaredEncoding(body, layout));
  if (!layout && !isXmlContentType(contentType)) add('meta', htmlMetaCharset(body));
  return out;
}

/**
 * The charset the document announces (BOM, then header, prolog, meta), without checking it
 * against the bytes. Undefined when nothing usable is declared.
 */
export function sniffDeclaredCharset(body: Uint8Array, contentType: string | undefined): SniffedCharset | undefined {
  const bom = detectBom(body);
  if (bom) return { charset: bom.charset, label: bom.charset, via: 'bom' };
  const layout = sniffWideLayout(body);
  const first = charsetDeclarations(body, contentType).find((d) => d.charset);
  if (!first?.charset) return undefined;
  return { charset: resolveWide(first.charset, layout), label: first.label, via: first.source };
}

/** UTF-8 sequences in `bytes`: well-formed multi-byte ones and ill-formed ones (WHATWG rules). */
export function utf8Stats(bytes: Uint8Array): { multibyte: number; invalid: number; ascii: boolean } {
  let multibyte = 0;
  let invalid = 0;
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lower = 0x80;
    let upper = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lower = 0xa0;
      if (b === 0xed) upper = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lower = 0x90;
      if (b === 0xf4) upper = 0x8f;
    } else {
      invalid++;
      i++;
      continue;
    }
    let j = 1;
    for (; j <= need; j++) {
      const c = bytes[i + j];
      const lo = j === 1 ? lower : 0x80;
      const hi = j === 1 ? upper : 0xbf;
      if (c === undefined || c < lo || c > hi) break;
    }
    if (j > need) {
      multibyte++;
      i += need + 1;
    } else {
      invalid++;
      i += j;
    }
  }
  return { multibyte, invalid, ascii: multibyte === 0 && invalid === 0 };
}

function resolveWide(charset: string, layout: string | undefined): string {
  if (charset !== 'utf-16' && charset !== 'utf-32') return charset;
  if (layout && charsetFamily(layout) === charset) return layout;
  return `${charset}le`;
}

/** Non-ASCII characters that decoded, and U+FFFD replacements, in `text`. */
function decodeQuality(text: string): { good: number; bad: number } {
  let good = 0;
  let bad = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0xfffd) bad++;
    else if (code > 0x7f) good++;
  }
  return { good, bad };
}

const DETECTABLE: Readonly<Record<string, string>> = {
  'UTF-8': 'utf-8',
  GB18030: 'gb18030',
  Big5: 'big5',
  'EUC-KR': 'euc-kr',
  'EUC-JP': 'euc-jp',
  Shift_JIS: 'shift_jis',
  'windows-1252': 'windows-1252',
  'ISO-8859-1': 'windows-1252',
};
/** Ties in chardet's confidence go to the charsets tidings meets most. */
const PREFERENCE = ['utf-8', 'gb18030', 'big5', 'windows-1252', 'euc-kr', 'shift_jis', 'euc-jp'];

/**
 * Charsets worth trying for bytes whose declaration failed or is missing: chardet's guesses
 * among sensible candidates (single-byte ones only when it is fairly sure), then GB18030, Big5
 * and windows-1252 as the last resorts.
 */
function candidates(body: Uint8Array): string[] {
  const ranked = analyse(body.subarray(0, DETECTION_SAMPLE))
    .map((m) => ({ charset: DETECTABLE[m.name], confidence: m.confidence }))
    .filter((m): m is { charset: string; confidence: number } => m.charset !== undefined)
    .filter((m) => MULTIBYTE_LEGACY.has(m.charset) || m.charset === 'utf-8' || m.confidence >= 50)
    .sort((a, b) => b.confidence - a.confidence || PREFERENCE.indexOf(a.charset) - PREFERENCE.indexOf(b.charset))
    .map((m) => m.charset);
  return [...new Set([...ranked, 'gb18030', 'big5', 'windows-1252'])];
}

/** The first candidate (other than `exclude`) that decodes `body` without a replacement. */
function firstClean(body: Uint8Array, exclude: string): { charset: string; text: string } | undefined {
  for (const charset of candidates(body)) {
    if (charset === exclude) continue;
    if (charset === 'utf-8') {
      if (utf8Stats(body).invalid === 0) return { charset, text: decodeWithCharset(body, charset) };
      continue;
    }
    const text = decodeWithCharset(body, charset);
    if (decodeQuality(text).bad === 0) return { charset, text };
  }
  return undefined;
}

/**
 * Mostly UTF-8 with runs in a legacy charset (a CMS that pastes GBK text into a UTF-8 page or
 * feed): each run of non-ASCII bytes that is not valid UTF-8 is read as GB18030 when that
 * gives clean text, and as UTF-8 with replacement characters otherwise. `repaired` counts the
 * runs read as GB18030.
 */
export function decodeMixedUtf8(body: Uint8Array): { text: string; repaired: number } {
  const strict = new TextDecoder('utf-8', { fatal: true });
  const lenient = new TextDecoder('utf-8');
  const parts: string[] = [];
  let repaired = 0;
  let plain = 0;
  let i = 0;
  while (i < body.length) {
    if (body[i]! < 0x80) {
      i++;
      continue;
    }
    let j = i;
    while (j < body.length && body[j]! >= 0x80) j++;
    const run = body.subarray(i, j);
    let decoded: string;
    try {
      decoded = strict.decode(run);
    } catch {
      const legacy = decodeWithCharset(run, 'gb18030');
      if (legacy.includes('\uFFFD')) decoded = lenient.decode(run);
      else {
        decoded = legacy;
        repaired++;
      }
    }
    parts.push(lenient.decode(body.subarray(plain, i)), decoded);
    plain = j;
    i = j;
  }
  parts.push(lenient.decode(body.subarray(plain)));
  return { text: parts.join(''), repaired };
}

function fallbackNote(label: string, actual: string, reason: string): string {
  return `declared ${label} but ${reason}; decoded as ${actual}`;
}

/** Decode with a declared (ASCII-compatible) charset, switching when the bytes disagree. */
function decodeDeclared(body: Uint8Array, decl: CharsetDeclaration & { charset: string }): DecodedText {
  const { charset, label, source } = decl;
  const stats = utf8Stats(body);
  const asDeclared = (text: string): DecodedText => ({ text, encoding: charset, declared: label, via: source });
  const switchTo = (to: string, text: string, reason: string): DecodedText => ({
    text,
    encoding: to,
    declared: label,
    via: 'fallback',
    note: fallbackNote(label, to, reason),
  });

  if (charset === 'utf-8') {
    const text = decodeWithCharset(body, 'utf-8');
    if (stats.invalid === 0) return asDeclared(text);
    // Mostly UTF-8 with a few stray runs: keep UTF-8, reading GBK runs as GBK (lossy beats mojibake).
    if (stats.multibyte > stats.invalid) return mixed(body, asDeclared(text));
    const alt = firstClean(body, 'utf-8');
    return alt ? switchTo(alt.charset, alt.text, 'the bytes are not UTF-8') : asDeclared(text);
  }

  const readableName = charset === label ? charset : `${label} (${charset})`;
  if (stats.invalid === 0 && stats.multibyte >= UTF8_EVIDENCE) {
    return switchTo('utf-8', decodeWithCharset(body, 'utf-8'), 'the bytes are UTF-8');
  }
  const text = decodeWithCharset(body, charset);
  const quality = decodeQuality(text);
  if (quality.bad === 0) return asDeclared(text);
  if (stats.invalid === 0 && !stats.ascii) {
    return switchTo('utf-8', decodeWithCharset(body, 'utf-8'), 'the bytes are UTF-8');
  }
  if (quality.good > quality.bad) return asDeclared(text);
  const alt = firstClean(body, charset);
  return alt ? switchTo(alt.charset, alt.text, `the bytes are not valid ${readableName}`) : asDeclared(text);
}

/** UTF-8 with its invalid runs repaired where they are GB18030, noted. */
function mixed(body: Uint8Array, result: DecodedText): DecodedText {
  const { text, repaired } = decodeMixedUtf8(body);
  return repaired > 0 ? { ...result, text, note: `mixed encodings: ${repaired} run(s) of bytes that are not UTF-8 read as GB18030` } : { ...result, text };
}

/** No usable declaration: ASCII is UTF-8, valid UTF-8 is UTF-8, otherwise detection. */
function decodeUndeclared(body: Uint8Array, declared: string | undefined): DecodedText {
  const stats = utf8Stats(body);
  if (stats.ascii) return { text: decodeWithCharset(body, 'utf-8'), encoding: 'utf-8', declared, via: 'default' };
  if (stats.invalid === 0) return { text: decodeWithCharset(body, 'utf-8'), encoding: 'utf-8', declared, via: 'detected' };
  if (stats.multibyte > stats.invalid) return mixed(body, { text: '', encoding: 'utf-8', declared, via: 'detected' });
  const alt = firstClean(body, 'utf-8');
  if (alt) return { text: alt.text, encoding: alt.charset, declared, via: 'detected' };
  return { text: decodeWithCharset(body, 'utf-8'), encoding: 'utf-8', declared, via: 'default' };
}

/**
 * Decode a fetched body. `contentType` is the response's Content-Type header; `override` a
 * charset the source configures (used as is, without validation, unless the label is unknown).
 * The BOM is never part of the text.
 */
export function decodeText(body: Buffer, contentType: string | undefined, override?: string): DecodedText {
  const bom = detectBom(body);
  const layout = bom ? undefined : sniffWideLayout(body);
  const declarations = charsetDeclarations(body, contentType);
  const firstKnown = declarations.find((d): d is CharsetDeclaration & { charset: string } => d.charset !== undefined);
  const declaredLabel = bom?.charset ?? (firstKnown ?? declarations[0])?.label;
  const notes: string[] = [];

  if (override !== undefined) {
    const charset = normalizeCharset(override);
    if (charset) {
      const encoding = resolveWide(charset, bom?.charset ?? layout);
      const skip = bom && bom.charset === encoding ? bom.length : 0;
      return { text: decodeWithCharset(body.subarray(skip), encoding), encoding, declared: declaredLabel, via: 'override' };
    }
    notes.push(`the configured charset ${JSON.stringify(override)} is unknown and was ignored`);
  }
  const withNotes = (result: DecodedText): DecodedText =>
    notes.length ? { ...result, note: [...notes, result.note].filter(Boolean).join('; ') } : result;

  if (bom) {
    return withNotes({ text: decodeWithCharset(body.subarray(bom.length), bom.charset), encoding: bom.charset, declared: bom.charset, via: 'bom' });
  }

  if (layout) {
    const text = decodeWithCharset(body, layout);
    if (!firstKnown) return withNotes({ text, encoding: layout, declared: declaredLabel, via: 'detected' });
    if (firstKnown.charset === layout || firstKnown.charset === charsetFamily(layout)) {
      return withNotes({ text, encoding: layout, declared: firstKnown.label, via: firstKnown.source });
    }
    return withNotes({
      text,
      encoding: layout,
      declared: firstKnown.label,
      via: 'fallback',
      note: fallbackNote(firstKnown.label, layout, `the bytes are ${layout.toUpperCase()}`),
    });
  }

  // Without a BOM or NUL-padded markup, a UTF-16/32 declaration cannot be right.
  const usable = declarations.find(
    (d): d is CharsetDeclaration & { charset: string } => d.charset !== undefined && !isWideCharset(d.charset),
  );
  const wrongWide = firstKnown && isWideCharset(firstKnown.charset) ? firstKnown : undefined;
  const unknown = declarations.filter((d) => d.charset === undefined && (!usable || declarations.indexOf(d) < declarations.indexOf(usable)));
  for (const d of unknown) notes.push(`the ${d.source} names an unknown charset ${JSON.stringify(d.label)}, ignored`);

  const result = usable ? decodeDeclared(body, usable) : decodeUndeclared(body, declaredLabel);
  if (wrongWide && result.via !== 'fallback') {
    return withNotes({
      ...result,
      declared: wrongWide.label,
      via: 'fallback',
      note: fallbackNote(wrongWide.label, result.encoding, `the bytes are not ${wrongWide.charset.toUpperCase()}`),
    });
  }
  return withNotes(result);
}
