/**
 * Deterministic Chinese news text for the benchmark feeds, shaped like the regional government
 * news tidings watches: a title built from place, body, action and topic, and three paragraphs
 * of report prose (400+ characters), so `fulltext: auto` finds enough text and never fetches
 * the page. The same (feed, item) always gives the same text.
 */
import { seededRandom as random } from '../../src/demo/stories.js';

const PLACES = ['北京市', '上海市', '广州市', '深圳市', '杭州市', '成都市', '武汉市', '南京市', '西安市', '重庆市', '苏州市', '天津市', '长沙市', '郑州市', '青岛市', '合肥市', '福州市', '昆明市', '沈阳市', '哈尔滨市'];
const BODIES = ['人民政府', '生态环境局', '教育局', '卫生健康委员会', '交通运输局', '住房和城乡建设局', '市场监督管理局', '应急管理局', '文化和旅游局', '农业农村局', '发展和改革委员会', '财政局'];
const ACTIONS = ['召开', '部署', '发布', '印发', '启动', '推进', '开展', '举行', '通报', '出台'];
const TOPICS = [
  '安全生产专项整治工作会议', '优化营商环境若干措施', '城市更新行动实施方案', '秋冬季大气污染防治攻坚行动',
  '义务教育阶段招生入学政策', '基层医疗卫生服务能力提升工程', '老旧小区改造年度计划', '数字政府建设工作要点',
  '防汛抗旱工作视频会议', '乡村振兴重点项目推进会', '食品安全监督抽检结果', '公共文化服务体系建设情况',
];
const SENTENCES = [
  '会议强调，要坚持以人民为中心的发展思想，切实把各项工作任务落到实处，不断增强人民群众的获得感、幸福感和安全感。',
  '会议指出，今年以来全市上下认真贯彻落实各项决策部署，主要经济指标保持平稳增长，重点项目建设取得阶段性成效。',
  '各区各部门要进一步压实工作责任，细化任务分工，建立健全工作台账，确保各项措施按时间节点有序推进。',
  '要聚焦群众急难愁盼问题，持续优化公共服务供给，推动优质资源向基层延伸，努力办好一批民生实事。',
  '相关负责人介绍，截至目前已累计完成投资约二十六亿元，带动就业岗位三千余个，惠及群众十余万人。',
  '下一步，将继续加强部门协同和信息共享，完善监测预警机制，及时发现和处置各类风险隐患。',
  '会上，各有关单位围绕职责分工作了交流发言，并就下一阶段工作提出了具体意见和建议。',
  '通知要求，各地要结合实际制定具体实施细则，加强政策宣传解读，主动回应社会关切。',
  '据悉，此次专项行动将持续至年底，期间将组织开展多轮督导检查，对工作不力的单位予以通报。',
  '与会人员表示，将以此次会议为契机，进一步统一思想、提高认识，以更加务实的作风推动工作落地见效。',
  '统计数据显示，前三季度全市地区生产总值同比增长百分之五点三，社会消费品零售总额稳步回升。',
  '要坚持问题导向和目标导向相结合，紧盯薄弱环节精准发力，确保全年目标任务圆满完成。',
  '该负责人还表示，将进一步简化办事流程，推行一网通办，让企业和群众少跑腿、好办事。',
  '此外，还将加大财政资金保障力度，统筹用好各类专项资金，提高资金使用效益。',
  '各级领导干部要带头深入一线调查研究，帮助基层解决实际困难，切实转变工作作风。',
  '活动现场还设置了政策咨询台，工作人员向前来咨询的市民群众发放宣传资料并耐心解答问题。',
];
const AUTHORS = ['办公室', '新闻中心', '宣传科', '综合处', '信息科'];
const CATEGORIES = ['政务要闻', '通知公告', '部门动态', '基层工作', '政策解读'];

function pick<T>(next: () => number, list: readonly T[]): T {
  return list[Math.floor(next() * list.length)]!;
}

function shuffled<T>(next: () => number, list: readonly T[]): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export interface ItemText {
  title: string;
  summary: string;
  /** HTML paragraphs, as a CMS exports them (inline styles, sometimes an image). */
  html: string;
  author: string;
  category: string;
}

export function channelTitle(feed: number): string {
  const next = random(feed * 7919 + 1);
  return `${pick(next, PLACES)}${pick(next, BODIES)}政务信息`;
}

export function itemText(feed: number, item: number): ItemText {
  const next = random(feed * 100_003 + item * 31 + 17);
  const place = pick(next, PLACES);
  const title = `${place}${pick(next, BODIES)}${pick(next, ACTIONS)}${pick(next, TOPICS)}（第${item + 1}期）`;
  const sentences = shuffled(next, SENTENCES);
  const paragraphs: string[] = [];
  for (let p = 0; p < 3; p++) {
    paragraphs.push(`<p style="text-indent:2em;">${p === 0 ? `本报讯\u3000${place}` : ''}${sentences.slice(p * 3, p * 3 + 3).join('')}</p>`);
  }
  if (next() < 0.5) paragraphs.splice(1, 0, `<p style="text-align:center;"><img src="/uploads/${feed}/${item}.jpg" alt="${title}" width="600"></p>`);
  const summary = pick(next, SENTENCES);
  return { title, summary, html: paragraphs.join('\n'), author: pick(next, AUTHORS), category: pick(next, CATEGORIES) };
}
