/**
 * What a query matches (docs/interface.md, "Queries"), on realistic Chinese articles:
 * fields, substrings vs whole words, precedence, script/width/case blindness, phrases.
 * Each case runs through matchQuery (one query) and compileMatcher (all cases' queries
 * compiled together), which must agree.
 */
import { describe, expect, it } from 'vitest';
import { parseQuery } from '../../src/match/query.js';
import { compileMatcher, matchQuery, prepareArticle, type MatchInput } from '../../src/match/matcher.js';

/** The mrxw report of the seventh 科技援疆 meeting, as it is stored (Simplified). */
const mrxw: MatchInput & { origin: string; author: string; url: string } = {
  title: '第七次全国科技援疆暨“四方合作”推进会议在乌鲁木齐召开',
  text: [
    '10月13日，第七次全国科技援疆暨“四方合作”推进会议在乌鲁木齐召开。',
    '会议指出，要加快建设国家风力发电技术创新中心，推动5G网络、AI 技术与新能源产业融合。',
    '科技部有关负责人said the meeting was productive.',
  ].join('\n'),
  sourceId: 'mrxw',
  tags: ['科技援疆', '新疆'],
  origin: '央视新闻客户端',
  author: '李明',
  url: 'https://mrxw.example.com/kjqy/2024-10-13/8832.html',
};

/** The kjxx page: Traditional script, full-width Latin, odd spacing. */
const kjxx: MatchInput = {
  title: '自治區科技廳黨組書記孫永建赴克拉瑪依市、石河子市調研科技工作',
  text: [
    '孫永建一行先後來到克拉瑪依市、石河子市，調研科技創新和「兩區」建設工作。',
    '他強調，要深化科技援疆，推動ＡＩ與ＩＣＰ備案服務、Machine  Learning 平臺建設。',
    'COVID-19 疫情防控期間，OpenAI 的模型也被提及。',
  ].join('\n'),
  sourceId: 'kjxx',
  tags: [],
};

/** The qysti page: a city bureau, GBK site. */
const qysti: MatchInput = {
  title: '庆阳市科技局召开“学习贯彻党的二十大精神,谋划科技工作新发展”务虚会',
  text: '会议要求，加快科技成果转化，选派科技特派员深入一线。\n会上，大家said: 5G基站建设要提速；said AIDS防治宣传也要加强。',
  sourceId: 'qysti',
  tags: ['甘肃'],
};

const articles = { mrxw, kjxx, qysti };
type Name = keyof typeof articles;

/** [query, articles it matches (the others it must not)]. */
const cases: [string, Name[]][] = [
  // A bare term searches the title and the text…
  ['四方合作', ['mrxw']],
  ['乌鲁木齐', ['mrxw']],
  ['务虚会', ['qysti']],
  ['科技特派员', ['qysti']],
  // …but not origin, author, URL, source id or tags.
  ['央视新闻', []],
  ['李明', []],
  ['8832', []],
  ['mrxw', []],
  ['甘肃', []],
  // title: the title only.
  ['title:四方合作', ['mrxw']],
  ['title:风力发电', []],
  ['风力发电', ['mrxw']],
  ['title:克拉玛依', ['kjxx']],
  ['title:(二十大 OR 乌鲁木齐)', ['mrxw', 'qysti']],
  // source: and tag: exact, never substrings and never the text.
  ['source:mrxw', ['mrxw']],
  ['source:mrx', []],
  ['source:qysti 科技', ['qysti']],
  ['tag:科技援疆', ['mrxw']],
  ['tag:科技', []],
  ['tag:甘肃', ['qysti']],
  ['tag:四方合作', []],
  ['科技 -source:kjxx', ['mrxw', 'qysti']],
  ['source:kjxx OR tag:新疆', ['mrxw', 'kjxx']],
  // Chinese terms are substrings.
  ['风力', ['mrxw']],
  ['援疆', ['mrxw', 'kjxx']],
  ['科技', ['mrxw', 'kjxx', 'qysti']],
  // Latin letters and digits: whole words.
  ['AI', ['mrxw', 'kjxx']], // "AI 技术", "ＡＩ与"; not "said", not "AIDS", not "OpenAI"
  ['said', ['mrxw', 'qysti']],
  ['AIDS', ['qysti']],
  ['5G', ['mrxw', 'qysti']], // "5G网络", "5G基站"
  ['5', []],
  ['G', []],
  ['ICP', ['kjxx']],
  ['IC', []],
  ['openai', ['kjxx']],
  ['open', []],
  ['covid-19', ['kjxx']],
  ['covid', ['kjxx']], // "-" is not a word character
  ['19', ['kjxx']],
  ['meet', []],
  ['meeting', ['mrxw']],
  ['"the meeting"', ['mrxw']],
  ['"meeting was"', ['mrxw']],
  ['"eting was"', []],
  ['5G网络', ['mrxw']],
  ['G网络', []],
  // Operators are upper case; lower case is a (Latin) term.
  ['科技 and 援疆', []],
  ['科技 AND 援疆', ['mrxw', 'kjxx']],
  ['科技 or 二十大', []],
  ['庆阳 OR 克拉玛依', ['kjxx', 'qysti']],
  // Precedence: A OR B C is A OR (B AND C); NOT binds to one operand.
  ['庆阳 OR 乌鲁木齐 兩區', ['qysti']],
  ['(庆阳 OR 乌鲁木齐) 兩區', []],
  ['庆阳 OR 石河子 科技创新', ['kjxx', 'qysti']],
  ['乌鲁木齐 兩區 OR 庆阳', ['qysti']],
  ['NOT 二十大 科技', ['mrxw', 'kjxx']],
  ['科技 NOT 二十大 OR 务虚会', ['mrxw', 'kjxx', 'qysti']],
  ['科技 -(二十大 OR 乌鲁木齐)', ['kjxx']],
  ['科技援疆 -庆阳', ['mrxw', 'kjxx']],
  ['四方合作 AND 庆阳', []],
  ['科技 -科技', []],
  // Script, width and case blind, both ways.
  ['兩區', ['kjxx']],
  ['两区', ['kjxx']],
  ['克拉瑪依', ['kjxx']],
  ['烏魯木齊', ['mrxw']],
  ['科技創新', ['kjxx']],
  ['ＡＩ', ['mrxw', 'kjxx']],
  ['ｉｃｐ', ['kjxx']],
  ['Machine', ['kjxx']],
  ['MACHINE LEARNING', ['kjxx']],
  // Phrases: Chinese with spaces removed on both sides, Latin with runs collapsed.
  ['"国家风力发电技术创新中心"', ['mrxw']],
  ['"国家 风力发电 技术创新中心"', ['mrxw']],
  ['"machine learning"', ['kjxx']],
  ['"Machine Learning平台"', ['kjxx']],
  ['"learning machine"', []],
  ['"AI技术"', ['mrxw']],
  ['"国家风力发电技术创新中心在"', []],
  // Terms do not span title and text, nor paragraphs' Latin words into each other.
  ['"召开10月"', []],
  ['"productive.会"', []],
];

describe('matchQuery: what a query matches', () => {
  const prepared = Object.fromEntries(Object.entries(articles).map(([k, a]) => [k, prepareArticle(a)])) as Record<Name, ReturnType<typeof prepareArticle>>;

  it.each(cases)('%s', (query, expected) => {
    const q = parseQuery(query);
    for (const name of Object.keys(articles) as Name[]) {
      expect(matchQuery(q, articles[name]), `${query} on ${name}`).toBe(expected.includes(name));
      expect(matchQuery(q, prepared[name]), `${query} on prepared ${name}`).toBe(expected.includes(name));
    }
  });

  it('gives the same answers with every query compiled into one matcher', () => {
    const matcher = compileMatcher(cases.map(([query], i) => ({ id: `${i}:${query}`, query: parseQuery(query) })));
    expect(matcher.size).toBe(cases.length);
    for (const name of Object.keys(articles) as Name[]) {
      const expected = cases.flatMap(([query, names], i) => (names.includes(name) ? [`${i}:${query}`] : []));
      expect(matcher.match(articles[name])).toEqual(expected);
    }
  });

  it('searches attachment titles like the text, each on its own', () => {
    const withFiles: MatchInput = { ...qysti, attachments: [{ title: '附件1：科技特派员名单.xlsx' }, { title: '附件2' }] };
    expect(matchQuery(parseQuery('名单'), withFiles)).toBe(true);
    expect(matchQuery(parseQuery('xlsx'), withFiles)).toBe(true);
    expect(matchQuery(parseQuery('"xlsx附件2"'), withFiles)).toBe(false);
    expect(matchQuery(parseQuery('title:名单'), withFiles)).toBe(false);
  });

  it('matches an article with an empty text through its title and fields', () => {
    const bare: MatchInput = { title: '兩區建設', text: '', sourceId: 'kjxx', tags: [] };
    expect(matchQuery(parseQuery('两区'), bare)).toBe(true);
    expect(matchQuery(parseQuery('source:kjxx -两区'), bare)).toBe(false);
    expect(matchQuery(parseQuery('source:kjxx -科技'), bare)).toBe(true);
  });
});

describe('compileMatcher', () => {
  it('refuses duplicate ids and unanchored hand-made queries', () => {
    const q = parseQuery('A');
    expect(() => compileMatcher([{ id: 'x', query: q }, { id: 'x', query: q }])).toThrow(/"x" given twice/);
    const unanchored = { type: 'not' as const, child: q, position: 1 };
    expect(() => compileMatcher([{ id: 'bad', query: unanchored }])).toThrow(/"bad" can match without any term/);
  });

  it('matches nothing with no subscriptions, and reports its size', () => {
    const empty = compileMatcher([]);
    expect(empty.match(mrxw)).toEqual([]);
    const m = compileMatcher([
      { id: 'a', query: parseQuery('科技援疆 乌鲁木齐') },
      { id: 'b', query: parseQuery('科技援疆 OR source:kjxx') },
    ]);
    expect(m.stats()).toMatchObject({ subscriptions: 2, textTerms: 2, fieldTerms: 1 });
  });

  it('gives the same answers across many articles in a row (no state leaks between matches)', () => {
    const m = compileMatcher([
      { id: 'a', query: parseQuery('科技援疆 -庆阳') },
      { id: 'b', query: parseQuery('title:庆阳 OR AI') },
    ]);
    for (let i = 0; i < 50; i++) {
      expect(m.match(mrxw)).toEqual(['a', 'b']);
      expect(m.match(qysti)).toEqual(['b']);
      expect(m.match(kjxx)).toEqual(['a', 'b']);
    }
  });
});
