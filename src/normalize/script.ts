/**
 * Script detection and conversion between Simplified and Traditional Chinese (opencc-js).
 * Detection counts the Han characters that only one script writes: a character that OpenCC
 * changes when converting to Simplified is a Traditional one, one it changes toward
 * Traditional is a Simplified one; the side with more of them is the text's script. Each
 * character is classified once (OpenCC on the single character) and remembered, so
 * detection is one pass over the text instead of two phrase-level conversions of it.
 */
import * as OpenCC from 'opencc-js';
import type { Script } from '../domain/article.js';

// Built on first use (building the dictionaries is a tenth of a second of start-up).
let hans: ((text: string) => string) | undefined;
let hant: ((text: string) => string) | undefined;
const toHans = (text: string): string => (hans ??= OpenCC.Converter({ from: 'tw', to: 'cn' }))(text);
const toHant = (text: string): string => (hant ??= OpenCC.Converter({ from: 'cn', to: 'tw' }))(text);

const HAN = /\p{Script=Han}/u;
const HAN_G = /\p{Script=Han}/gu;
const LATIN_G = /[A-Za-z]/g;

/** Only characters beyond ASCII are ever converted: printable ASCII text is returned as it is. */
const NON_ASCII = /[^\t\n\r -~]/;

export function toSimplified(text: string): string {
  return NON_ASCII.test(text) ? toHans(text) : text;
}

export function toTraditional(text: string): string {
  return NON_ASCII.test(text) ? toHant(text) : text;
}

/** Per Han character: 1 written only in Traditional, -1 only in Simplified, 0 in both. */
const charScript = new Map<string, number>();
const CHAR_CACHE_MAX = 50_000;

function scriptOf(ch: string): number {
  let v = charScript.get(ch);
  if (v === undefined) {
    v = toHans(ch) !== ch ? 1 : toHant(ch) !== ch ? -1 : 0;
    if (charScript.size >= CHAR_CACHE_MAX) charScript.clear();
    charScript.set(ch, v);
  }
  return v;
}

/** The dominant script of a text: `hans`, `hant`, `latin` or `other`. */
export function detectScript(text: string): Script {
  const sample = text.slice(0, 4000);
  const hanChars = sample.match(HAN_G) ?? [];
  const han = hanChars.length;
  const latin = sample.match(LATIN_G)?.length ?? 0;
  if (han === 0) return latin > 0 ? 'latin' : 'other';
  if (latin > han * 4) return 'latin';
  let traditional = 0;
  let simplified = 0;
  for (const ch of hanChars) {
    const v = scriptOf(ch);
    if (v > 0) traditional++;
    else if (v < 0) simplified++;
  }
  return traditional > simplified ? 'hant' : 'hans';
}

/** BCP 47-ish language of the text: `zh` when it has Han characters, else `en` for Latin, else `und`. */
export function detectLang(text: string): string {
  const sample = text.slice(0, 4000);
  if (HAN.test(sample)) return 'zh';
  if (/[A-Za-z]/.test(sample)) return 'en';
  return 'und';
}
