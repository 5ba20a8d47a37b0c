/**
 * Pinyin notes left after Han characters by Simplified → Traditional reposting sites.
 *
 * Some reposting sites convert text to Traditional and print the pinyin of characters they
 * consider hard in brackets right after them: `自治區(qū)`, `書(shū)記`, `會(huì)議`,
 * `無(wú)人機(jī)`. The notes break every word they touch (`無(wú)人機` must read 无人机
 * for a search to find it), so they go, wherever they are.
 *
 * What counts as a note (NOTE below), and only directly after a Han character:
 * - round brackets, ASCII `( )` or full-width `（ ）`;
 * - inside, lower-case pinyin (Latin letters, `ü`, `ê`, tone-marked vowels precomposed or
 *   with combining marks), syllables optionally separated by a space, apostrophe or hyphen,
 *   at most 60 characters: `(qū)`, `(yáng)`, `(wú rén jī)`, `（huì）`;
 * - at least one tone mark. That is what tells a note from ordinary bracketed text: `(2024)`,
 *   `（试行）`, `(AI)`, `(B区)` and toneless `(qu)` or `(de)` stay.
 * Several notes in a row (`區(qū)(qū)`) go together, so one pass leaves none behind.
 */

const TONED = 'āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿếề';
/** Tone marks written as combining characters after the vowel (decomposed text): grave, acute, macron, caron. */
const COMBINING_TONES = '[\\u0300\\u0301\\u0304\\u030c]';
const LETTER = `(?:[a-zêü${TONED}]|${COMBINING_TONES}|\\u0308)`;
const TONE = `(?:[${TONED}]|${COMBINING_TONES})`;
/** One bracketed pinyin note (see the file comment): letters and syllable separators, at most 60, one tone mark at least. */
export const PINYIN_NOTE_SOURCE = `[(（] ?(?=[^)）]{0,60}?${TONE})${LETTER}(?:${LETTER}|[ '’-]){0,59} ?[)）]`;

const NOTES_AFTER_HAN = new RegExp(`(\\p{Script=Han})(?:${PINYIN_NOTE_SOURCE})+`, 'gu');
const HAN = /\p{Script=Han}/u;

export interface StripPinyinOptions {
  /**
   * The character before `text` when `text` is a fragment (an HTML text node): a note at the
   * very start of the fragment is removed when this is a Han character.
   */
  precededBy?: string;
}

/** `text` without the pinyin notes that follow Han characters. */
export function stripPinyinNotes(text: string, options: StripPinyinOptions = {}): string {
  const before = options.precededBy ?? '';
  if (before !== '' && HAN.test(before)) {
    return `${before}${text}`.replace(NOTES_AFTER_HAN, '$1').slice(before.length);
  }
  return text.replace(NOTES_AFTER_HAN, '$1');
}
