/**
 * Injected promotion: a gambling or lottery brand sprinkled through a copied article.
 *
 * Site farms paste their brand into copied reports so that search engines tie it to
 * respectable text: `…工作推进会召开三亿体育` (title), `三亿体育7月22日，…` (first paragraph),
 * `…科技合营三亿体育，…` (mid-sentence), and again in the footer (seed 001). The brand is not
 * part of the story: it is removed from the title and text, and the article is flagged `spam`.
 *
 * Finding the brand (all on match forms, so 三億體育 is 三亿体育):
 * 1. Occurrences of SPAM_SUFFIXES (体育, 娱乐, 彩票, 棋牌, 真人, 官网 …) in the title, the text
 *    lines and the lines other passes removed as chrome (footers).
 * 2. The brand is the suffix with the longest left extension (Han letters or digits, up to
 *    MAX_PREFIX) shared by at least MIN_OCCURRENCES occurrences: `亿体育` ×5, `三亿体育` ×5,
 *    then the contexts differ, so `三亿体育`. A prefix of at least two characters is required.
 * 3. Rejected as a word, not a brand: when most occurrences continue with the same character
 *    (`国家体育总局`, `体育中心`, `真人秀`), when the prefix is a common modifier
 *    (COMMON_PREFIXES: 文化娱乐, 群众体育, 竞技体育) or an institution (INSTITUTION_ENDINGS:
 *    科技部官网, 学校官网), or when the name is a known legitimate one (LEGITIMATE_NAMES:
 *    腾讯体育, 体育彩票, 福利彩票).
 * 4. Scored (weights in SPAM_SCORE): the suffix's gambling weight, presence in the title,
 *    spread over text lines, presence in footer/chrome lines or the last line, and being
 *    "detached" (at least half the occurrences followed by punctuation, a digit or the end of
 *    the line, as pasted text is, where a real noun phrase continues); minus a penalty for weak
 *    suffixes when the article is itself about that topic (`topic` words: a sports report may
 *    name a sports outlet many times). Occurrences cited as a source (`来源：X官网`, `据X`) do
 *    not count. Flagged at SPAM_MIN_SCORE or more, in at least MIN_PLACES places (title,
 *    lines), and, for a weak suffix (体育, 娱乐, 电竞, 官网: common words), only when the name is
 *    also in the title or the footer: in paragraphs alone it may be what the story is about.
 *
 * Seed 001 scores 7: 体育 (1) + title (1) + three lines (2) + footer (1) + detached (2).
 * A report on 国家体育总局 never gets a candidate; one naming 文化娱乐 in its title and three
 * paragraphs is rejected at step 3 and would score 4 anyway.
 */
import { formPattern, matchForm } from './fold-width.js';
import { type Line, type LinesInput, asLines } from './text-lines.js';

export interface SpamSuffix {
  readonly suffix: string;
  /** 3: only gambling uses it; 2: mostly; 1: common word that brands also use. */
  readonly weight: 1 | 2 | 3;
  /** Words that make an article about this suffix's topic (weak suffixes only). */
  readonly topic?: readonly string[];
}

const SPORTS = ['比赛', '赛事', '运动员', '冠军', '联赛', '球队', '奥运', '夺冠', '决赛', '教练', '进球', '金牌', '锦标赛', '世界杯', '亚运', '全运会', '马拉松', '健身', '赛季', '球员'];
const ENTERTAINMENT = ['电影', '演员', '明星', '综艺', '票房', '歌手', '演唱会', '影视', '导演', '电视剧', '粉丝'];
const ESPORTS = ['战队', '选手', '赛季', '比赛', '赛事', '冠军', '联赛', '游戏'];

export const SPAM_SUFFIXES: readonly SpamSuffix[] = [
  { suffix: '彩票', weight: 3 },
  { suffix: '棋牌', weight: 3 },
  { suffix: '博彩', weight: 3 },
  { suffix: '赌场', weight: 3 },
  { suffix: '娱乐城', weight: 3 },
  { suffix: '百家乐', weight: 3 },
  { suffix: '真人视讯', weight: 3 },
  { suffix: '老虎机', weight: 3 },
  { suffix: '电子游艺', weight: 3 },
  { suffix: '捕鱼', weight: 2 },
  { suffix: '真人', weight: 2 },
  { suffix: '体育', weight: 1, topic: SPORTS },
  { suffix: '娱乐', weight: 1, topic: ENTERTAINMENT },
  { suffix: '电竞', weight: 1, topic: ESPORTS },
  { suffix: '官网', weight: 1 },
];

/** Names that end in a suffix but are legitimate media, bodies or state lotteries. */
export const LEGITIMATE_NAMES: readonly string[] = [
  '腾讯体育', '新浪体育', '网易体育', '搜狐体育', '央视体育', '咪咕体育', '新华体育', '人民体育', '中国体育', '国家体育',
  '腾讯娱乐', '新浪娱乐', '网易娱乐', '搜狐娱乐', '体育彩票', '福利彩票', '中国体育彩票', '中国福利彩票',
];

/** Modifiers that make a common compound with a suffix (文化娱乐, 群众体育), not a brand. */
export const COMMON_PREFIXES: readonly string[] = [
  '文化', '休闲', '群众', '全民', '竞技', '学校', '校园', '青少年', '大众', '职业', '电子', '网络', '数字', '户外', '冰雪',
  '智慧', '社会', '公共', '健康', '老年', '残疾人', '民族', '传统', '体育', '旅游', '影视', '家庭', '儿童', '女子', '男子',
];

/** A prefix ending like this names an institution (科技部官网, 体育局官网). */
export const INSTITUTION_ENDINGS = /(?:部|局|厅|委|院|办|所|署|会|中心|协会|学会|大学|学院|学校|校|政府|集团|公司|网|报|台|社|站|馆|省|市|县|区|州|盟|旗)$/u;

export const SPAM_SCORE = {
  title: 1,
  twoLines: 1,
  threeLines: 1,
  footer: 1,
  detached: 2,
  topicPenalty: 3,
} as const;
export const SPAM_MIN_SCORE = 5;
export const MIN_OCCURRENCES = 3;
export const MIN_PLACES = 3;
const MAX_PREFIX = 6;

export interface SpamFinding {
  /** The brand in match form (Simplified, lower-case). */
  brand: string;
  score: number;
  occurrences: number;
  /** Distinct places it occurs in: the title, each text line, each removed line. */
  places: number;
  /** Strong gambling suffix, or present in the title or the footer (required for weak suffixes). */
  anchored: boolean;
  /** Why it scored, e.g. "title", "lines:3", "footer", "detached", "topic". */
  reasons: string[];
}

export interface SpamResult {
  spam: boolean;
  /** Brands to remove. */
  brands: SpamFinding[];
  /** Every candidate considered, flagged or not (for logs and tests). */
  candidates: SpamFinding[];
}

export interface SpamInput {
  title: string;
  text: LinesInput;
  /** Lines other passes removed (chrome, footers): evidence, not text to clean. Strings, or lines with their match forms. */
  removed?: readonly string[] | readonly Pick<Line, 'form'>[];
}

interface Occurrence {
  segment: number;
  at: number;
}

const BRAND_CHAR = /^[\p{Script=Han}a-z0-9]$/u;
/** Text right before a name that cites it as a source. */
const ATTRIBUTION_BEFORE = /(?:来源|来自|图源|出处|转自|引自|转载自|据|via)[:\s]*$/u;
const DETACHED_NEXT = /^[\s\p{P}\p{S}0-9]$/u;

/** The prefix of length k before an occurrence, or undefined when it runs off the segment or into punctuation. */
function prefixOf(segments: readonly string[], o: Occurrence, k: number): string | undefined {
  if (o.at - k < 0) return undefined;
  const p = (segments[o.segment] ?? '').slice(o.at - k, o.at);
  return Array.from(p).every((c) => BRAND_CHAR.test(c)) ? p : undefined;
}

function groupBy(segments: readonly string[], occurrences: readonly Occurrence[], k: number): Map<string, Occurrence[]> {
  const groups = new Map<string, Occurrence[]>();
  for (const o of occurrences) {
    const p = prefixOf(segments, o, k);
    if (p === undefined) continue;
    const list = groups.get(p) ?? [];
    list.push(o);
    groups.set(p, list);
  }
  return groups;
}

/** Extend a group of occurrences leftwards while MIN_OCCURRENCES of them agree. */
function extend(segments: readonly string[], prefix: string, group: Occurrence[], k: number): { prefix: string; group: Occurrence[] } {
  if (k >= MAX_PREFIX) return { prefix, group };
  let best: [string, Occurrence[]] | undefined;
  for (const entry of groupBy(segments, group, k + 1)) if (!best || entry[1].length > best[1].length) best = entry;
  if (!best || best[1].length < MIN_OCCURRENCES) return { prefix, group };
  return extend(segments, best[0], best[1], k + 1);
}

/** Most occurrences continue with the same letter: the "brand" is the start of a longer word. */
function isWordStart(segments: readonly string[], group: readonly Occurrence[], length: number): boolean {
  const next = new Map<string, number>();
  for (const o of group) {
    const c = (segments[o.segment] ?? '').charAt(o.at + length);
    if (c !== '' && BRAND_CHAR.test(c)) next.set(c, (next.get(c) ?? 0) + 1);
  }
  return [...next.values()].some((n) => n * 2 > group.length);
}

function isLegitimate(prefix: string, brand: string): boolean {
  if (LEGITIMATE_NAMES.some((name) => name === brand || name.endsWith(brand) || brand.endsWith(name))) return true;
  if (COMMON_PREFIXES.some((p) => prefix.endsWith(p))) return true;
  return INSTITUTION_ENDINGS.test(prefix);
}

function formsOf(removed: readonly string[] | readonly Pick<Line, 'form'>[]): string[] {
  const strings: string[] = [];
  const forms: string[] = [];
  for (const r of removed) {
    if (typeof r === 'string') strings.push(r);
    else forms.push(r.form);
  }
  return strings.length > 0 ? [...forms, ...matchForm(strings.join('\n')).split('\n')] : forms;
}

/** Find injected brands (see the file comment for the steps and weights). */
export function detectSpam(input: SpamInput): SpamResult {
  const lines = asLines(input.text);
  const removedForms = formsOf(input.removed ?? []);
  // Segment 0 is the title, then the text lines, then the removed lines.
  const segments = [matchForm(input.title), ...lines.map((l) => l.form), ...removedForms];
  const firstRemoved = 1 + lines.length;
  const lastLine = lines.length; // segment index of the last text line
  const textForm = lines.map((l) => l.form).join('\n');
  const candidates: SpamFinding[] = [];
  const seen = new Set<string>();

  for (const { suffix, weight, topic } of SPAM_SUFFIXES) {
    const occurrences: Occurrence[] = [];
    segments.forEach((s, segment) => {
      for (let at = s.indexOf(suffix); at !== -1; at = s.indexOf(suffix, at + suffix.length)) occurrences.push({ segment, at });
    });
    if (occurrences.length < MIN_OCCURRENCES) continue;
    for (const [first, group] of groupBy(segments, occurrences, 1)) {
      if (group.length < MIN_OCCURRENCES) continue;
      const { prefix, group: members } = extend(segments, first, group, 1);
      const brand = prefix + suffix;
      if (prefix.length < 2 || seen.has(brand)) continue;
      seen.add(brand);
      if (isWordStart(segments, members, suffix.length) || isLegitimate(prefix, brand)) continue;
      // A name cited as a source (来源：X官网, 据X) is attributed, not injected.
      const pasted = members.filter((o) => !ATTRIBUTION_BEFORE.test((segments[o.segment] ?? '').slice(Math.max(0, o.at - prefix.length - 8), o.at - prefix.length)));
      if (pasted.length < MIN_OCCURRENCES) continue;

      const reasons = [`suffix:${suffix}`];
      let score: number = weight;
      const inTitle = pasted.some((o) => o.segment === 0);
      const lineSegments = new Set(pasted.filter((o) => o.segment > 0 && o.segment < firstRemoved).map((o) => o.segment));
      const inFooter = pasted.some((o) => o.segment >= firstRemoved || (o.segment === lastLine && lastLine > 0));
      if (inTitle) {
        score += SPAM_SCORE.title;
        reasons.push('title');
      }
      if (lineSegments.size >= 2) score += SPAM_SCORE.twoLines;
      if (lineSegments.size >= 3) score += SPAM_SCORE.threeLines;
      if (lineSegments.size > 0) reasons.push(`lines:${lineSegments.size}`);
      if (inFooter) {
        score += SPAM_SCORE.footer;
        reasons.push('footer');
      }
      const detached = pasted.filter((o) => {
        const next = (segments[o.segment] ?? '').charAt(o.at + suffix.length);
        return next === '' || DETACHED_NEXT.test(next);
      }).length;
      if (detached * 2 >= pasted.length) {
        score += SPAM_SCORE.detached;
        reasons.push('detached');
      }
      if (topic && topic.filter((w) => textForm.includes(w)).length >= 3) {
        score -= SPAM_SCORE.topicPenalty;
        reasons.push('topic');
      }
      const places = new Set(pasted.map((o) => o.segment)).size;
      // A weak suffix is a common word: it takes the title or the footer, not only paragraphs.
      const anchored = weight > 1 || inTitle || inFooter;
      if (!anchored) reasons.push('unanchored');
      candidates.push({ brand, score, occurrences: pasted.length, places, anchored, reasons });
    }
  }
  const brands = candidates.filter((c) => c.score >= SPAM_MIN_SCORE && c.places >= MIN_PLACES && c.anchored);
  return { spam: brands.length > 0, brands, candidates };
}

/** `text` without any occurrence of `brands` (match forms; any script, width or case in the text). */
export function removeBrands(text: string, brands: readonly string[]): string {
  let out = text;
  for (const brand of brands) out = out.replace(formPattern(brand), '');
  return out;
}
