/**
 * Consecutive repeated lines: a photo caption printed twice (once from the image's alt text,
 * once as the caption: `克拉瑪依市調研場景。` ×2 in seed 000), a paragraph duplicated by a
 * template. A line equal to the line just before it (compared in match form without
 * whitespace, so a Traditional and a Simplified copy, or full- and half-width ones, are equal)
 * is removed. Only neighbours: an article may legitimately repeat a sentence further on.
 */
import { type Line, type LinesInput, asLines, joinLines } from './text-lines.js';

export interface RepeatedLinesResult {
  text: string;
  lines: Line[];
  removed: Line[];
}

export function collapseRepeatedLines(input: LinesInput): RepeatedLinesResult {
  const out: Line[] = [];
  const removed: Line[] = [];
  for (const line of asLines(input)) {
    const previous = out[out.length - 1];
    if (previous && previous.compact === line.compact) removed.push(line);
    else out.push(line);
  }
  return { text: joinLines(out), lines: out, removed };
}
