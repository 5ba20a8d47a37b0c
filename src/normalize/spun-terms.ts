/**
 * The data of detect-spun.ts: synonym substitutions that SEO site farms (站群, "伪原创"
 * spinners) apply to official reports so that copies escape duplicate detection.
 *
 * The spinner replaces words with dictionary "synonyms" without regard to sense, so official
 * terms come out as words no newsroom writes: 科学技术部 → 科学手艺部, 创新 → 立异, 合作 →
 * 合营, 工作推进会 → 就业推动会, 关于 → 闭于, 示范 → 树范, 一带一路 → 一带一块. Each entry is a
 * spun form (Simplified, as in match form) and the official term it replaced.
 *
 * Entries are chosen so that the spun form is (nearly) never written in genuine news text:
 * either it is not a word at all (闭于, 胀吹, 树范, 高质地, 先容), or it is a real word only in
 * a sense news reports do not use (立异 "be unconventional", 合营 "jointly run"), or it is a
 * phrase that only a spinner produces (紧张指示, 就业机造, 科技事迹). Words that are common in
 * their own right (生长, 策略, 集会, 谈话, 咱们) are listed only inside such phrases. One
 * occurrence proves nothing (an old 中外合营 joint venture, a 手艺 craft); detect-spun.ts
 * asks for several distinct forms.
 */

export interface SpunTerm {
  /** The spun form, in Simplified script. */
  readonly spun: string;
  /** The official term it replaced. */
  readonly original: string;
}

const pairs: readonly (readonly [string, string])[] = [
  // institutions and fixed official terms
  ['科学手艺部', '科学技术部'],
  ['科学手艺', '科学技术'],
  ['高新手艺', '高新技术'],
  ['手艺研发', '技术研发'],
  ['手艺', '技术'],
  ['党构成员', '党组成员'],
  ['党主旨', '党中央'],
  ['黎民日报', '人民日报'],
  ['黎民网', '人民网'],
  ['一带一块', '一带一路'],
  ['丝绸之道', '丝绸之路'],
  ['新颖化', '现代化'],
  ['对口救济', '对口支援'],
  ['自决立异', '自主创新'],
  // 创新, 合作, 工作, 推进, 机制
  ['立异', '创新'],
  ['更始驱动', '创新驱动'],
  ['合营', '合作'],
  ['求实合营', '务实合作'],
  ['就业推动会', '工作推进会'],
  ['就业会议', '工作会议'],
  ['就业机造', '工作机制'],
  ['机造', '机制'],
  // 关于, 相关, 攻关
  ['闭于', '关于'],
  ['相闭', '相关'],
  ['闭连', '关联'],
  ['攻闭', '攻关'],
  // 推动, 支撑, 引领, 发展, 高质量
  ['胀吹', '推动'],
  ['胀舞', '鼓舞'],
  ['撑持', '支撑'],
  ['引颈', '引领'],
  ['高质地', '高质量'],
  ['高质料', '高质量'],
  ['经济社会生长', '经济社会发展'],
  ['驱动生长', '驱动发展'],
  ['生长策略', '发展战略'],
  ['高程度', '高水平'],
  ['帮力', '助力'],
  // 重要讲话/指示精神, 会议
  ['紧张指示', '重要指示'],
  ['紧张阐明', '重要论述'],
  ['紧张谈话', '重要讲话'],
  ['指示心灵', '指示精神'],
  ['主办集会', '主持会议'],
  ['出席集会', '出席会议'],
  ['插手集会', '参加会议'],
  ['新时间党', '新时代党'],
  // 决策部署, 深入实施, 认真贯彻, 落实
  ['计划安顿', '决策部署'],
  ['长远履行', '深入实施'],
  ['卖力贯彻', '认真贯彻'],
  ['贯彻落实践', '贯彻落实'],
  ['环绕贯彻', '围绕贯彻'],
  ['完备切确', '完整准确'],
  ['切适用好', '切实用好'],
  ['相持把', '坚持把'],
  // 支持, 关心, 感谢, 长期以来
  ['永远往后', '长期以来'],
  ['亲切维持', '关心支持'],
  ['出格维持', '特殊支持'],
  ['显露感激', '表示感谢'],
  // 事业, 基础, 示范, 成果, 关键核心技术
  ['科技事迹', '科技事业'],
  ['根蒂', '基础'],
  ['树范', '示范'],
  ['成效转化', '成果转化'],
  ['症结中心', '关键核心'],
  ['联结攻闭', '联合攻关'],
  ['科技怒放', '科技开放'],
  // 优势, 要素, 产业, 材料, 队伍, 任务
  ['上风互补', '优势互补'],
  ['各自上风', '各自优势'],
  ['因素有序活动', '要素有序流动'],
  ['工业链', '产业链'],
  ['特质工业', '特色产业'],
  ['另日工业', '未来产业'],
  ['人才军队', '人才队伍'],
  ['巨大科技使命', '重大科技任务'],
  ['构造担任', '组织承担'],
  ['变更转化', '转移转化'],
  ['体例化修造化', '体系化建制化'],
  // 衔接, 目标, 稳定, 改善, 进展
  ['有用衔尾', '有效衔接'],
  ['衔尾', '衔接'],
  ['总对象', '总目标'],
  ['社会太安宁', '社会稳定'],
  ['民生改正', '民生改善'],
  ['优越进步', '良好进展'],
  ['充塞阐述', '充分发挥'],
  ['欲望各方', '希望各方'],
  ['更大步调', '更大步伐'],
  // 介绍, 分别, 负责同志, 相关部门, 信息保护, 律师
  ['先容', '介绍'],
  ['阔别先容', '分别介绍'],
  ['承担同道', '负责同志'],
  ['相闭部分', '相关部门'],
  ['消息掩护', '信息保护'],
  ['网站讼师', '网站律师'],
];

/** Known spin substitutions, longest spun form first (so a scan prefers the longer form). */
export const SPUN_TERMS: readonly SpunTerm[] = pairs
  .map(([spun, original]) => ({ spun, original }))
  .sort((a, b) => b.spun.length - a.spun.length);
