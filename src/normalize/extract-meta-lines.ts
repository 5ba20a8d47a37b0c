/**
 * Metadata lines moved out of the article body into fields.
 *
 * News pages end (or open) their text with credits that are not part of the story but are
 * worth keeping: `【原标题】…`, `编辑：宋姿熠`, `责任编辑：缪静`, `编审：张宏彦`,
 * `（责任编辑：…）`, reporter bylines (`自贡融媒记者 卜一珊`, `本报记者 张三 李四`,
 * `通讯员 …`, `文/图 …`), `来源：X`, `作者：X`. This pass removes such lines from the text and
 * returns their values as `originalTitle`, `editors`, `reporters`, `origin` and `author`.
 *
 * Rules (META_LINE_RULES, tested in order on each line's match form, so Traditional and
 * full-width lines match too; values are cut from the original line):
 * 1. `original-title`: `【原标题】X`, `原标题：X`, `(原标题：X)` → originalTitle (the first);
 * 2. `editors`: one or more `label：names` pairs with editorial labels (责任编辑, 编辑, 编审,
 *    审核, 校对 …), optionally in brackets, optionally followed by a bare counter
 *    (`责任编辑：缪静 编审：张宏彦 0` is how such a footer reads once flattened) → editors;
 * 3. `reporters`: one or more `label names` groups with byline labels (记者, 通讯员, 实习生,
 *    摄影 …; 记者/通讯员 may carry the media's name: 本报记者, 自贡融媒记者, 新华社记者;
 *    single-character labels 文/图/摄 need a `/` or `:`: `文/图 张三`, `文/李四`) → reporters;
 * 4. `origin`: `来源：X` (also 文章来源, 稿源, 转自 …) alone on a line → origin;
 * 5. `author`: `作者：X` alone on a line → author.
 * A name is 2–4 Han characters (longer with `·`: transcribed names such as 艾尔肯·吐尼亚孜)
 * or a Latin name, names are separated by spaces, 、 or `/` (never a comma), and a line is
 * taken only when it is nothing but labels and names, so `记者从会上获悉，…` and any sentence
 * that mentions an editor stay.
 *
 * Inline bylines: a bracketed byline at the start of a paragraph, after an optional dateline
 * (`新疆日报讯(记者 李明)第七次…`, `新华社北京10月13日电（记者 魏弘毅）…`) or at its end
 * (`…参加会议。（记者 张三）`) gives its names to `reporters`. The paragraph keeps it by
 * default: in Chinese news style the dateline and byline open the lead sentence, and cutting
 * them leaves `新疆日报讯第七次…`. `{ stripInlineBylines: true }` cuts them out
 * (`stripInlineByline` does it for one paragraph).
 */
import { sliceOriginal } from './fold-width.js';
import { type Line, type LinesInput, asLines, joinLines, linesOf } from './text-lines.js';

export interface MetaFields {
  originalTitle: string | null;
  editors: string[];
  reporters: string[];
  origin: string | null;
  author: string | null;
}

export interface MetaResult extends MetaFields {
  text: string;
  lines: Line[];
  /** Whole lines removed, with the rule that took each and the line's match forms. */
  removed: { rule: string; line: string; form: string; compact: string }[];
}

/** A Chinese name (2–4 characters) or a transcribed one with `·`, or a Latin name. */
const HAN_NAME = '\\p{Script=Han}{1,8}[·•]\\p{Script=Han}{1,8}|\\p{Script=Han}{2,4}';
const LATIN_NAME = "[a-z][a-z.'’]*(?: [a-z][a-z.'’]*){0,3}";
const NAME = `(?:${HAN_NAME}|${LATIN_NAME})`;
/** Names separated by spaces, 、 or slashes (never by a comma: that is a sentence). */
const NAMES = `${NAME}(?:[ 、/]+${NAME}){0,7}`;

const EDITOR_LABELS = '责任编辑|值班编辑|执行主编|责编|编辑|编审|审核|审校|审签|校对|终审|复审|初审|二审|三审|主编|策划|统筹|监制|美编|签发';
/** Media names that may precede 记者 / 通讯员. */
const MEDIA = '\\p{Script=Han}{0,10}?(?:报|台|社|网|刊|融媒|媒体|中心|视|新闻|客户端)';
const REPORTER_ROLES = '(?:首席|特约|见习|实习|融媒|全媒体)?(?:记者|通讯员)|实习生|摄影|摄像|撰稿|撰文|供稿';
const REPORTER_LABEL = `(?:(?:${MEDIA})?(?:${REPORTER_ROLES}))`;
/** 文/图-style credits: the two-part labels may be followed by a space, the one-character ones need `/`, `:` or `|`. */
const SHORT_LABEL = '(?:(?:文/图|图/文|文图) ?[/:|\\s]? ?|(?:文|图|摄) ?[/:|] ?)';

export interface MetaLineRule {
  readonly name: 'original-title' | 'editors' | 'reporters' | 'origin' | 'author';
  readonly description: string;
  /** Whole-line pattern on the line's match form; `value` is the captured field where there is one. */
  readonly pattern: RegExp;
  /** Longer lines (compact characters) are never this rule's: credits are short. */
  readonly maxLength: number;
}

export const META_LINE_RULES: readonly MetaLineRule[] = [
  {
    name: 'original-title',
    description: '【原标题】X, 原标题：X, (原标题：X)',
    pattern: /^(?:[【[(]原标题[】\])] ?:? ?(?<value>.{2,})|原标题 ?: ?(?<value2>.{2,})|\(原标题 ?: ?(?<value3>.{2,})\))$/u,
    maxLength: 200,
  },
  {
    name: 'editors',
    description: 'editorial credits: 编辑：X, 责任编辑：X 编审：Y, (责任编辑：X)',
    pattern: new RegExp(`^[(【[]?(?:(?:${EDITOR_LABELS}) ?(?::|\\s) ?${NAMES}[ |;]*)+[)】\\]]?(?: \\d{1,6})?$`, 'u'),
    maxLength: 80,
  },
  {
    name: 'reporters',
    description: 'bylines: 记者 X, 本报记者 X Y, 自贡融媒记者 X, 通讯员 X, 文/图 X',
    pattern: new RegExp(
      `^[(【[]?(?:(?:${REPORTER_LABEL} ?(?::|\\s)? ?|${SHORT_LABEL})${NAMES}[ |;]*)+[)】\\]]?$`,
      'u',
    ),
    maxLength: 80,
  },
  {
    name: 'origin',
    description: '来源：X alone on a line',
    pattern: /^[【[(]?(?:文章来源|信息来源|稿件来源|来源于|来源|稿源|转自|转载自|出处) ?: ?(?<value>[^,。;!?:【】[\]()]{1,40}?)[】\])]?$/u,
    maxLength: 80,
  },
  {
    name: 'author',
    description: '作者：X alone on a line',
    pattern: /^[【[(]?(?:作者|撰稿人|文章作者) ?: ?(?<value>[^,。;!?:【】[\]()]{1,40}?)[】\])]?$/u,
    maxLength: 80,
  },
];

const EDITOR_LABEL_G = new RegExp(`(?:${EDITOR_LABELS})`, 'gu');
const REPORTER_LABEL_G = new RegExp(`${REPORTER_LABEL}|文/图|图/文|文图|(?:文|图|摄)(?= ?[/:|])`, 'gu');
const NAME_G = new RegExp(NAME, 'gu');

/** The names in a credit line: the text between labels, split into names (cut from the original line). */
function namesOf(text: string, form: string, labels: RegExp): string[] {
  const bounds: [number, number][] = [];
  let last = 0;
  for (const m of form.matchAll(labels)) {
    const start = m.index ?? 0;
    if (start > last) bounds.push([last, start]);
    last = start + m[0].length;
  }
  bounds.push([last, form.length]);
  const names: string[] = [];
  for (const [start, end] of bounds) {
    const segmentForm = form.slice(start, end);
    for (const m of segmentForm.matchAll(NAME_G)) {
      const at = start + (m.index ?? 0);
      const name = sliceOriginal(text, form, at, at + m[0].length).trim();
      if (name !== '') names.push(name);
    }
  }
  return names;
}

function valueOf(line: Line, m: RegExpExecArray): string | null {
  const groups = m.groups ?? {};
  const key = (['value', 'value2', 'value3'] as const).find((k) => groups[k] !== undefined);
  if (!key) return null;
  const value = groups[key] ?? '';
  const start = line.form.indexOf(value, m.index);
  const original = start >= 0 ? sliceOriginal(line.text, line.form, start, start + value.length) : value;
  const trimmed = original.trim();
  return trimmed === '' ? null : trimmed;
}

/** The dateline before an inline byline ends in 讯 or 电 (新疆日报讯, 新华社北京10月13日电). */
const INLINE_BYLINE_START = new RegExp(`^(?<lead>[^()（）]{0,30}?(?:讯|电))? ?[(（](?<inner>${REPORTER_LABEL} ?${NAMES}(?: ${REPORTER_LABEL} ?${NAMES})*)[)）] ?`, 'u');
const INLINE_BYLINE_END = new RegExp(` ?[(（](?<inner>${REPORTER_LABEL} ?${NAMES}(?: ${REPORTER_LABEL} ?${NAMES})*)[)）]$`, 'u');

/**
 * A paragraph without its bracketed byline (at its start, after an optional dateline, or at
 * its end), and the byline's names. Works on any text whose brackets and spacing are as
 * written (ASCII or full-width brackets; the role words in Simplified or Traditional script
 * must be in match form, so callers pass lines already in the form they test).
 */
export function stripInlineByline(text: string, form: string = text): { text: string; reporters: string[] } {
  if (text.length !== form.length) return { text, reporters: [] };
  const start = INLINE_BYLINE_START.exec(form);
  if (start?.groups?.inner !== undefined) {
    const lead = start.groups.lead ?? '';
    const innerAt = form.indexOf(start.groups.inner, lead.length);
    const reporters = namesOf(text.slice(innerAt, innerAt + start.groups.inner.length), start.groups.inner, REPORTER_LABEL_G);
    return { text: text.slice(0, lead.length) + text.slice(start[0].length), reporters };
  }
  const end = INLINE_BYLINE_END.exec(form);
  if (end?.groups?.inner !== undefined) {
    const innerAt = form.indexOf(end.groups.inner, end.index);
    const reporters = namesOf(text.slice(innerAt, innerAt + end.groups.inner.length), end.groups.inner, REPORTER_LABEL_G);
    return { text: text.slice(0, end.index), reporters };
  }
  return { text, reporters: [] };
}

function addUnique(list: string[], values: readonly string[]): void {
  for (const v of values) if (!list.includes(v)) list.push(v);
}

export interface MetaOptions {
  /** Cut bracketed bylines out of paragraphs too (default: keep them, take the names). */
  stripInlineBylines?: boolean;
}

/** Move metadata lines out of the text (see the file comment for the rules). */
export function extractMetaLines(input: LinesInput, options: MetaOptions = {}): MetaResult {
  const lines = asLines(input);
  const result: MetaResult = { text: '', lines: [], removed: [], originalTitle: null, editors: [], reporters: [], origin: null, author: null };
  const changed: string[] = [];
  const changedAt: number[] = [];
  const out: (Line | undefined)[] = [];
  for (const line of lines) {
    let taken = false;
    for (const rule of META_LINE_RULES) {
      if (line.compact.length > rule.maxLength) continue;
      const m = rule.pattern.exec(line.form);
      if (!m) continue;
      if (rule.name === 'original-title') result.originalTitle ??= valueOf(line, m);
      else if (rule.name === 'editors') addUnique(result.editors, namesOf(line.text, line.form, EDITOR_LABEL_G));
      else if (rule.name === 'reporters') addUnique(result.reporters, namesOf(line.text, line.form, REPORTER_LABEL_G));
      else if (rule.name === 'origin') result.origin ??= valueOf(line, m);
      else result.author ??= valueOf(line, m);
      result.removed.push({ rule: rule.name, line: line.text, form: line.form, compact: line.compact });
      taken = true;
      break;
    }
    if (taken) continue;
    const inline = stripInlineByline(line.text, line.form);
    if (inline.reporters.length > 0) addUnique(result.reporters, inline.reporters);
    if (inline.reporters.length > 0 && options.stripInlineBylines) {
      const text = inline.text.trim();
      if (text !== '') {
        changed.push(text);
        changedAt.push(out.length);
        out.push(undefined);
      }
      continue;
    }
    out.push(line);
  }
  const recomputed = linesOf(changed);
  changedAt.forEach((at, i) => {
    out[at] = recomputed[i];
  });
  result.lines = out.filter((l): l is Line => l !== undefined);
  result.text = joinLines(result.lines);
  return result;
}
