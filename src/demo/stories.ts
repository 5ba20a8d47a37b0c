/**
 * The demo's news: deterministic stories from a seed, shaped like a Chinese city science
 * and technology bureau's 工作动态 column. A fixed opening sequence makes the first minute
 * show every path (an email alert for 科技援疆, a Telegram alert for 人工智能 / 大模型,
 * articles nobody subscribed to, one story republished by another outlet); after it,
 * stories are drawn at random (seeded) from the same topics.
 */

export interface DemoStory {
  /** 1-based, in publishing order (the backlog first). */
  n: number;
  title: string;
  /** Paragraphs of the body. */
  paragraphs: string[];
  /** The department the 来源 line names. */
  origin: string;
  published: Date;
}

/** mulberry32: a small seeded PRNG, [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Topic {
  key: 'xinjiang' | 'ai' | 'other';
  /** [title, opening paragraph] pairs. */
  stories: [string, string][];
  origins: string[];
}

const TOPICS: Record<Topic['key'], Topic> = {
  xinjiang: {
    key: 'xinjiang',
    stories: [
      ['我局召开{year}年科技援疆工作推进会', '为深入落实对口支援工作部署，持续推进科技援疆，{date}，市科学技术局在{place}召开专题会议，研究部署{county}{crop}产业技术攻关和人才培训工作。'],
      ['科技援疆项目“{crop}智能种植示范基地”在{county}通过验收', '{date}，由我市科技援疆资金支持的{county}{crop}智能种植示范基地项目通过验收，{num}名当地技术骨干完成了为期两周的实训。'],
      ['市科技局赴{county}开展科技援疆对接调研', '按照科技援疆三年行动方案，{date}，市科学技术局带队赴{county}，围绕{crop}精深加工、节水灌溉等方向与受援地企业逐一对接。'],
      ['{county}科技援疆干部人才座谈会召开', '{date}，{county}科技援疆干部人才座谈会召开，{num}名援疆科技人员交流了在{crop}种植、农机推广等方面的工作体会。'],
    ],
    origins: ['市科学技术局', '对口支援办公室', '农村科技科'],
  },
  ai: {
    key: 'ai',
    stories: [
      ['我市人工智能产业创新中心正式揭牌', '{date}，我市人工智能产业创新中心在{district}揭牌运行，首批入驻企业{num}家，涵盖智能制造、智慧医疗、自动驾驶等领域。'],
      ['“大模型+政务服务”试点在{district}启动', '{date}，“大模型+政务服务”试点工作在{district}政务服务中心启动，群众可通过智能问答办理{num}类高频事项。'],
      ['市科技局举办人工智能赋能制造业专题培训', '为加快人工智能与实体经济深度融合，{date}，市科学技术局在{place}举办专题培训，{num}家企业的技术负责人参加。'],
      ['{district}发布人工智能应用场景清单（第{num}批）', '{date}，{district}发布新一批人工智能应用场景清单，涉及工业质检、城市治理、智慧农业等{num2}个场景，面向全国揭榜挂帅。'],
      ['本地企业行业大模型通过国家备案', '{date}，记者从市科学技术局获悉，我市{num}家企业研发的行业大模型通过国家生成式人工智能服务备案，将在{district}率先应用。'],
    ],
    origins: ['高新技术科', '市科学技术局', '产学研合作科'],
  },
  other: {
    key: 'other',
    stories: [
      ['关于开展{year}年度科技型中小企业评价工作的通知', '各县（市、区）科技主管部门：根据有关工作安排，现就开展{year}年度科技型中小企业评价工作通知如下，请于{date}前组织企业完成自评。'],
      ['“科普进社区”系列活动在{district}举办', '{date}，“科普进社区”系列活动走进{district}，科技志愿者为居民带来{num}场科普讲座和互动体验。'],
      ['市科技局召开高新技术企业认定政策宣讲会', '为帮助企业用足用好政策，{date}，市科学技术局在{place}召开高新技术企业认定政策宣讲会，{num}家企业财务和研发负责人参会。'],
      ['{year}年全市科技特派员工作会议召开', '{date}，全市科技特派员工作会议在{place}召开，会议总结了上一年度工作，表彰了{num}名优秀科技特派员。'],
      ['市科技局开展安全生产大检查', '根据工作安排，{date}，市科技局对局属单位及在建科研项目开展安全生产检查，共排查隐患{num}处并当场整改。'],
      ['我市{num}个项目获省级科技计划立项支持', '{date}，省科学技术厅公布年度省级科技计划项目立项名单，我市{num2}个申报项目中多项入选，获支持资金逾千万元。'],
    ],
    origins: ['办公室', '政策法规科', '市科学技术局'],
  },
};

const PLACES = ['市民中心第三会议室', '高新区创新大厦', '科技局六楼会议室', '市会展中心'];
const DISTRICTS = ['高新区', '经开区', '滨江区', '城东区', '临港新区'];
const COUNTIES = ['疏附县', '伽师县', '阿克陶县', '英吉沙县'];
const CROPS = ['红枣', '核桃', '棉花', '巴旦木', '设施蔬菜'];
const FILLERS = [
  '会议指出，要坚持问题导向，把科技创新成果更多转化为现实生产力。',
  '与会人员围绕项目进度、资金使用和成果转化等问题进行了深入交流。',
  '下一步，市科学技术局将加强跟踪服务，协调解决项目推进中的困难和问题。',
  '活动现场气氛热烈，参与群众纷纷表示收获满满。',
  '据介绍，相关工作已纳入全市年度重点任务清单，实行月调度、季通报。',
  '会上，相关企业代表作了交流发言，分享了技术研发和市场拓展的经验。',
  '各县（市、区）科技部门负责同志、重点企业代表参加会议。',
  '该项目实施以来，累计申请发明专利{num}件，带动就业{num2}人。',
  '局党组成员、副局长出席并讲话，对下一阶段工作提出明确要求。',
  '市科学技术局有关科室负责人现场解答了企业关心的政策问题。',
  '此次活动进一步营造了尊重知识、崇尚创新的良好社会氛围。',
  '据统计，今年以来全市已组织各类对接活动{num}场，签约项目{num2}个。',
];

/** The order of the first stories after the backlog: every path shows within a minute. */
const OPENING: Topic['key'][] = ['xinjiang', 'ai', 'other', 'ai', 'other', 'xinjiang', 'other', 'ai'];
/** Stories already on the site when the demo starts (stored by the first poll, alerting nobody). */
export const BACKLOG: Topic['key'][] = ['other', 'ai', 'other'];
/** The backlog story the news centre republishes (an 人工智能 story: its alert says "also reported by"). */
export const REPUBLISHED_BACKLOG_INDEX = 1;

export class StoryGenerator {
  private readonly random: () => number;
  private count = 0;
  private readonly used = new Set<string>();

  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)]!;
  }

  private fill(template: string, date: Date): string {
    const month = date.getMonth() + 1;
    return template
      .replaceAll('{year}', String(date.getFullYear()))
      .replaceAll('{date}', `${month}月${date.getDate()}日`)
      .replaceAll('{place}', this.pick(PLACES))
      .replaceAll('{district}', this.pick(DISTRICTS))
      .replaceAll('{county}', this.pick(COUNTIES))
      .replaceAll('{crop}', this.pick(CROPS))
      .replaceAll('{num2}', String(20 + Math.floor(this.random() * 480)))
      .replaceAll('{num}', String(3 + Math.floor(this.random() * 60)));
  }

  /** The next story: the backlog, then the opening sequence, then random topics. */
  next(published: Date): DemoStory {
    const i = this.count++;
    const key = i < BACKLOG.length ? BACKLOG[i]! : (OPENING[i - BACKLOG.length] ?? this.pick(['xinjiang', 'ai', 'other', 'other'] as const));
    const topic = TOPICS[key];
    // A title not used yet (then any): repeated titles would read as one story.
    let pair = this.pick(topic.stories);
    let title = this.fill(pair[0], published);
    for (let tries = 0; this.used.has(title) && tries < 8; tries++) {
      pair = this.pick(topic.stories);
      title = this.fill(pair[0], published);
    }
    this.used.add(title);
    const fillers = [...FILLERS].sort(() => this.random() - 0.5).slice(0, 3 + Math.floor(this.random() * 2));
    const paragraphs = [this.fill(pair[1], published), ...fillers.map((f) => this.fill(f, published))];
    paragraphs.push(`（第${i + 1}号 · 供稿：${this.pick(topic.origins)}）`);
    return { n: i + 1, title, paragraphs, origin: this.pick(topic.origins), published };
  }
}
