/**
 * Script detection and conversion between Simplified and Traditional Chinese (opencc-js).
 * Detection converts the text to Simplified and to Traditional and counts how many Han
 * characters each conversion changes: the side that changes less is the text's own script.
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

/** Count positions where two strings of equal length differ (opencc converts 1:1 here). */
function changed(a: string, b: string): number {
  if (a.length !== b.length) return Math.abs(a.length - b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) n++;
  return n;
}

/** The dominant script of a text: `hans`, `hant`, `latin` or `other`. */
export function detectScript(text: string): Script {
  const sample = text.slice(0, 4000);
  const han = sample.match(HAN_G)?.length ?? 0;
  const latin = sample.match(LATIN_G)?.length ?? 0;
  if (han === 0) return latin > 0 ? 'latin' : 'other';
  if (latin > han * 4) return 'latin';
  const hanOnly = (sample.match(HAN_G) ?? []).join('');
  const towardHans = changed(hanOnly, toHans(hanOnly));
  const towardHant = changed(hanOnly, toHant(hanOnly));
  return towardHans > towardHant ? 'hant' : 'hans';
}

/** BCP 47-ish language of the text: `zh` when it has Han characters, else `en` for Latin, else `und`. */
export function detectLang(text: string): string {
  const sample = text.slice(0, 4000);
  if (HAN.test(sample)) return 'zh';
  if (/[A-Za-z]/.test(sample)) return 'en';
  return 'und';
}
