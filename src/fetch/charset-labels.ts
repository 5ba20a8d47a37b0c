/**
 * Charset labels as documents spell them (`GB2312`, `"utf_16"`, `x-sjis`, `bogus`) mapped to
 * one canonical name each, WHATWG-style: every GB label is gb18030, every Big5 label is big5,
 * latin1/us-ascii are windows-1252. Also which iconv-lite codec decodes each canonical name.
 * Unknown or unsafe labels (utf-7, base64, …) map to undefined so callers fall through.
 */
import iconv from 'iconv-lite';

const ALIASES: Readonly<Record<string, string>> = (() => {
  const table: Record<string, string> = {};
  const add = (canonical: string, labels: readonly string[]): void => {
    for (const label of [canonical, ...labels]) table[label] = canonical;
  };
  add('utf-8', ['utf8', 'unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'x-unicode20utf8']);
  add('utf-16', ['utf16', 'u16', 'ucs-2', 'ucs2', 'unicode', 'csunicode', 'iso-10646-ucs-2']);
  add('utf-16le', ['utf16le', 'utf-16-le', 'unicodefeff']);
  add('utf-16be', ['utf16be', 'utf-16-be', 'unicodefffe']);
  add('utf-32', ['utf32', 'u32', 'ucs-4', 'ucs4', 'iso-10646-ucs-4']);
  add('utf-32le', ['utf32le', 'utf-32-le']);
  add('utf-32be', ['utf32be', 'utf-32-be']);
  add('gb18030', [
    'gb2312', 'gbk', 'x-gbk', 'cp936', 'ms936', 'windows-936', 'gb-2312-80', 'gb_2312-80', 'gb-2312',
    'gb_2312', 'csgb2312', 'chinese', 'iso-ir-58', 'csiso58gb231280', 'euc-cn', 'euccn', 'x-euc-cn',
  ]);
  add('big5', ['big5-hkscs', 'big5hkscs', 'cp950', 'ms950', 'windows-950', 'cn-big5', 'csbig5', 'x-x-big5']);
  add('windows-1252', [
    'us-ascii', 'ascii', 'ansi_x3.4-1968', 'iso-ir-6', 'iso646-us', 'cp367', 'ibm367', 'csascii', 'us',
    'iso-8859-1', 'iso8859-1', 'iso88591', 'iso_8859-1', 'iso_8859-1:1987', 'latin1', 'l1', 'cp819', 'ibm819',
    'csisolatin1', 'iso-ir-100', 'cp1252', 'x-cp1252',
  ]);
  add('windows-1254', ['iso-8859-9', 'iso8859-9', 'iso_8859-9', 'latin5', 'l5', 'cp1254', 'x-cp1254']);
  add('windows-874', ['tis-620', 'iso-8859-11', 'dos-874', 'cp874']);
  add('shift_jis', ['shift-jis', 'sjis', 'x-sjis', 'ms_kanji', 'csshiftjis', 'windows-31j', 'ms932', 'cp932']);
  add('euc-jp', ['eucjp', 'x-euc-jp', 'cseucpkdfmtjapanese']);
  add('euc-kr', ['euckr', 'ks_c_5601-1987', 'ks_c_5601-1989', 'ksc5601', 'ksc_5601', 'korean', 'windows-949', 'cp949', 'csksc56011987', 'iso-ir-149']);
  add('koi8-r', ['koi8', 'koi', 'cskoi8r']);
  return table;
})();

/** iconv-lite labels that are not text encodings of a document, or are unsafe to honour. */
const REFUSED = new Set(['base64', 'hex', 'binary', 'utf7', 'utf-7', 'utf7imap', 'utf-7-imap', 'unicode11utf7', 'cesu8', 'cesu-8', 'replacement', 'x-user-defined']);

/** Which iconv-lite codec decodes a canonical charset (the widest compatible superset). */
const CODEC: Readonly<Record<string, string>> = {
  big5: 'big5hkscs',
  'euc-kr': 'cp949',
  shift_jis: 'cp932',
};

/**
 * The canonical name for a charset label, or undefined when the label is unknown, unsafe or
 * cannot be decoded. Accepts quotes, stray spaces, any case and Python-style underscores.
 */
export function normalizeCharset(label: string | undefined): string | undefined {
  if (label === undefined) return undefined;
  const text = label.trim().replace(/^["']+|["']+$/g, '').trim().toLowerCase();
  if (!text || text.length > 40) return undefined;
  for (const candidate of [text, text.replaceAll('_', '-')]) {
    if (REFUSED.has(candidate)) return undefined;
    const known = ALIASES[candidate];
    if (known) return known;
  }
  // Anything else iconv-lite decodes (iso-8859-2, windows-1251, koi8-u, macintosh, …).
  for (const candidate of [text, text.replaceAll('_', '-')]) {
    if (!REFUSED.has(candidate) && iconv.encodingExists(candidate)) return candidate;
  }
  return undefined;
}

/** UTF-16/UTF-32 (not ASCII-compatible); `utf-16`/`utf-32` without endianness included. */
export function isWideCharset(charset: string): boolean {
  return charset.startsWith('utf-16') || charset.startsWith('utf-32');
}

/** `utf-16` for utf-16, utf-16le and utf-16be; likewise utf-32; otherwise the charset itself. */
export function charsetFamily(charset: string): string {
  if (charset.startsWith('utf-16')) return 'utf-16';
  if (charset.startsWith('utf-32')) return 'utf-32';
  return charset;
}

/** Legacy East Asian multi-byte charsets, whose decoders report invalid sequences. */
export const MULTIBYTE_LEGACY: ReadonlySet<string> = new Set(['gb18030', 'big5', 'shift_jis', 'euc-jp', 'euc-kr']);

/** Decode `bytes` with a canonical charset (BOM not included; endianness already resolved). */
export function decodeWithCharset(bytes: Uint8Array, charset: string): string {
  if (charset === 'utf-8') return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
  // iconv-lite would turn a leading U+FEFF into nothing; keep the text as the bytes say.
  return iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), CODEC[charset] ?? charset, { stripBOM: false });
}
