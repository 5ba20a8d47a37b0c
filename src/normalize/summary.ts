/**
 * The lead of an article as a summary: the first paragraphs up to about `max` characters,
 * cut at a sentence end (。！？ and Latin . ! ?) when one falls in the last part of the
 * window, else at the limit with an ellipsis.
 */
const SENTENCE_END = /[。！？!?]|\.(?=\s|$)/gu;

export function leadSummary(text: string, max = 300): string {
  const flat = text.replace(/\s*\n\s*/g, ' ').replace(/[ \t]+/g, ' ').trim();
  const chars = Array.from(flat);
  if (chars.length <= max) return flat;
  const window = chars.slice(0, max).join('');
  let cut = -1;
  for (const m of window.matchAll(SENTENCE_END)) cut = (m.index ?? 0) + m[0].length;
  // Accept a sentence end only if it keeps at least 40% of the window.
  if (cut >= window.length * 0.4) return window.slice(0, cut).trim();
  return `${window.trimEnd()}…`;
}
