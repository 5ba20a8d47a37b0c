/**
 * Doubled and garbled punctuation left by script conversion and word replacement.
 *
 * Converting sites sometimes emit a comma next to the mark that was really meant:
 * `召開(kāi),,市委書(shū)記,、委員會(huì)主任` and `主持會(huì)議並講話,。` (seed 003). The comma is
 * the debris; the other mark is the author's. Removing an injected phrase between two commas
 * leaves the same pattern. The rules below (PUNCTUATION_RULES, applied in order, repeated
 * until nothing changes so the result is stable) remove exactly that:
 *
 * 1. a run of commas becomes its first comma: `,,` → `,`, `，，` → `，`;
 * 2. a comma right before a CJK clause or sentence mark goes: `,、` → `、`, `,。` → `。`,
 *    `,；` → `；`, `,;` → `;`, and the same after a full-width comma;
 * 3. a comma right after a CJK clause or sentence mark goes: `。,` → `。`, `、，` → `、`;
 * 4. a doubled `、` or `；` becomes one, and exactly two `。` become one (three or more are an
 *    informal ellipsis and stay);
 * 5. a comma or `、` right after an opening bracket or quote goes, and one opening a line
 *    (except in fragments such as HTML text nodes, where the start is not a line start).
 *
 * Decisions:
 * - The width of a mark is never changed. Captured Chinese text often uses the ASCII comma
 *   between Han characters (every seed does, and the expected titles keep it); converting it
 *   to `，` would change the article's own spelling and gain nothing, because matching folds
 *   width anyway (see fold-width.ts). So `,;` keeps the author's `;` rather than becoming `；`.
 * - English stays intact: only comma runs, and commas next to CJK marks, are touched, so
 *   `1,000`, `a, b` and `e.g., this` are unchanged; `Hello,, world` loses its doubled comma.
 */

export interface PunctuationRule {
  readonly name: string;
  readonly description: string;
  readonly pattern: RegExp;
  readonly replacement: string;
  /** The rule looks at line starts: skipped for fragments, whose start is not a line start. */
  readonly atLineStart?: boolean;
}

const CJK_MARKS = '、。；：！？';

export const PUNCTUATION_RULES: readonly PunctuationRule[] = [
  { name: 'comma-run', description: 'a run of commas becomes its first comma', pattern: /([,，])[,，]+/g, replacement: '$1' },
  {
    name: 'comma-before-mark',
    description: 'a comma before a CJK clause or sentence mark (or an ASCII semicolon) goes',
    pattern: new RegExp(`[,，](?=[${CJK_MARKS};])`, 'g'),
    replacement: '',
  },
  {
    name: 'comma-after-mark',
    description: 'a comma after a CJK clause or sentence mark goes',
    pattern: new RegExp(`([${CJK_MARKS}])[,，]`, 'g'),
    replacement: '$1',
  },
  { name: 'doubled-enumeration', description: 'a doubled 、 or ； becomes one', pattern: /([、；])\1+/g, replacement: '$1' },
  { name: 'doubled-full-stop', description: 'exactly two 。 become one', pattern: /(?<!。)。。(?!。)/g, replacement: '。' },
  {
    name: 'comma-after-opening',
    description: 'a comma or 、 right after an opening bracket or quote goes',
    pattern: /([(（【《“‘「『])[,，、]+/g,
    replacement: '$1',
  },
  {
    name: 'leading-comma',
    description: 'a comma or 、 at the start of a line goes (not applied to fragments such as HTML text nodes)',
    pattern: /^(\s*)[,，、]+/gm,
    replacement: '$1',
    atLineStart: true,
  },
];

const MAX_ROUNDS = 6;

export interface PunctuationOptions {
  /** `text` is a fragment of a line (an HTML text node): its start is not a line start. */
  fragment?: boolean;
}

/** `text` with the punctuation debris of PUNCTUATION_RULES removed. */
export function fixPunctuationDebris(text: string, options: PunctuationOptions = {}): string {
  const rules = options.fragment ? PUNCTUATION_RULES.filter((r) => !r.atLineStart) : PUNCTUATION_RULES;
  let current = text;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let next = current;
    for (const rule of rules) next = next.replace(rule.pattern, rule.replacement);
    if (next === current) return next;
    current = next;
  }
  return current;
}
