/**
 * Every word the bot says, in Chinese and English. Replies are in the language pinned for the
 * chat with `/lang zh|en`, else in Chinese when the sender's Telegram `language_code` starts
 * with `zh` and in English otherwise (`langFor`); alerts and channel replies, which have no
 * sender, use the pinned language, else the chat's last known one (see chat-prefs.ts), else
 * Chinese, the language of the news itself.
 *
 * Each entry is Telegram HTML: functions escape every argument they are given, so callers
 * pass raw values (queries, titles, source names, error texts) and never escape twice.
 * Command descriptions (`commands`) are plain text, as `setMyCommands` wants them.
 */
import { escapeHtml as e } from './html.js';

export type Lang = 'zh' | 'en';

/** `zh…` → Chinese, any other code → English, no code → undefined (the caller decides). */
export function langFor(languageCode: string | undefined): Lang | undefined {
  if (languageCode === undefined || languageCode === '') return undefined;
  return languageCode.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

export type CommandName =
  | 'start'
  | 'help'
  | 'sub'
  | 'unsub'
  | 'list'
  | 'name'
  | 'tags'
  | 'pause'
  | 'resume'
  | 'digest'
  | 'preview'
  | 'script'
  | 'feed'
  | 'email'
  | 'export'
  | 'import'
  | 'forget'
  | 'unsuball'
  | 'lang'
  | 'silent'
  | 'version'
  | 'sources'
  | 'stats'
  | 'addsource'
  | 'delsource'
  | 'pausesource'
  | 'resumesource';

export interface SubscriptionLine {
  index: number;
  id: string;
  query: string;
  /** Its display name (`/name`), shown before the query. */
  name?: string;
  /** Its hashtags without `#` (`/tags`), shown on a line of their own. */
  hashtags?: readonly string[];
  mode: 'instant' | 'digest';
  digestAt?: string;
  timeZone: string;
  paused: boolean;
  pausedReason?: string;
}

export interface SourceLine {
  id: string;
  name: string;
  status: string;
  lastSuccess: string | null;
  errors: number;
  items: number | null;
  lastError: string | null;
}

/** One subscription of a file that /import could not add. */
export interface ImportFailureLine {
  line: number;
  query: string;
  /** Why, in English (from the store). */
  reason: string;
  /** Set when the chat's cap refused it. */
  limit?: { count: number; limit: number };
}

export interface ImportReportView {
  file: string;
  added: number;
  existing: number;
  /** Of `existing`, those whose name or tags the file changed. */
  relabeled: number;
  failed: number;
}

export interface StatsView {
  subscriptions: number;
  chats: number;
  pausedChats: { chat: string; reason: string; count: number }[];
  pending: number;
  sent: number;
  failed: number;
}

export interface VersionView {
  version: string;
  /** For tidings admins only. */
  node?: string;
  uptimeSeconds?: number;
}

export interface Strings {
  commands: Record<CommandName, string>;
  start(pausedCount: number): string;
  help(isAdmin: boolean): string;
  failed: string;
  adminOnly: string;
  chatAdminOnly: string;
  /** Like chatAdminOnly, for the chat's settings (/lang, /silent). */
  chatSettingsAdminOnly: string;
  usage(example: string): string;
  queryError(message: string, position: number, query: string): string;
  limitReached(count: number, limit: number): string;
  subscribed(described: string, matched: number, recent: number): string;
  alreadySubscribed(described: string): string;
  subscribedPausedNote: string;
  subscribedDigestNote(at: string, timeZone: string): string;
  unsubPick: string;
  unsubMore(count: number): string;
  noSubscriptions: string;
  unsubscribed(query: string): string;
  subscriptionGone: string;
  listHeader(count: number): string;
  listLine(line: SubscriptionLine): string;
  listFooter: string;
  /** `/name` without a subscription number. */
  nameUsage: string;
  nameSet(query: string, name: string): string;
  nameCleared(query: string): string;
  /** A name longer than `max` characters (nothing changed). */
  nameTooLong(max: number): string;
  /** `/tags` without a subscription number. */
  tagsUsage: string;
  /** `tags` without `#`. */
  tagsSet(query: string, tags: readonly string[]): string;
  tagsCleared(query: string): string;
  /** `/tags N …` where nothing is left once cleaned (only punctuation). */
  tagsInvalid(value: string): string;
  /** The tag line would be longer than `max` characters (nothing changed). */
  tagsTooLong(max: number): string;
  paused(count: number): string;
  resumed(count: number): string;
  digestOn(count: number, at: string, timeZone: string): string;
  digestOff(count: number): string;
  digestBadTime(value: string): string;
  digestBadZone(value: string): string;
  previewHeader(matched: number, recent: number, shown: number): string;
  previewNone(recent: number): string;
  scriptSet(count: number, script: 'original' | 'hans' | 'hant'): string;
  feed(url: string, count: number): string;
  emailSent(address: string): string;
  emailInvalid(value: string): string;
  emailLimited(minutes: number): string;
  emailDisabled: string;
  forgetConfirm(count: number): string;
  forgetYes: string;
  forgetNo: string;
  forgotten(subscriptions: number, pending: number): string;
  forgetCancelled: string;
  /** /unsuball in a chat without subscriptions. */
  unsuballNone: string;
  /** Asked after the backup (`backups` messages of `/sub` lines) was sent. */
  unsuballConfirm(count: number, backups: number): string;
  unsuballYes: string;
  unsuballNo: string;
  unsuballDone(subscriptions: number, pending: number): string;
  unsuballCancelled: string;
  /** The caption of `/export`'s file: `count` subscriptions; `importCommand` is /import (or /import@bot in groups). */
  exportCaption(count: number, importCommand: string): string;
  /** `/import` without a file. */
  importUsage(importCommand: string, maxKb: number): string;
  /** A file over the limit (nothing imported). */
  importTooBig(sizeKb: number, maxKb: number): string;
  /** Telegram would not give the file (nothing imported). */
  importDownloadFailed: string;
  /** The file does not parse: the header; the problems follow, one a line (importProblem). */
  importInvalid(file: string, problems: number): string;
  /** One problem of a file: `line` when it has one; `text` in English (`field: what was expected`). */
  importProblem(line: number | undefined, text: string): string;
  /** After the problems. */
  importInvalidFooter(importCommand: string): string;
  /** A file without subscriptions. */
  importEmpty(file: string): string;
  /** What was imported; the failures follow, one a line (importFailure). */
  importReport(view: ImportReportView): string;
  importFailure(failure: ImportFailureLine): string;
  /** `count` more problems or failures not listed. */
  importMore(count: number): string;
  /** After the report; `limited` when the cap refused some. */
  importFooter(limited: boolean): string;
  /** `/lang` alone: the chat's language now, and whether it is pinned. */
  langShow(current: Lang, pinned: boolean): string;
  langPinned(lang: Lang): string;
  /** `/lang auto`: `current` is what alerts use now. */
  langAuto(current: Lang): string;
  silentShow(on: boolean): string;
  silentSet(on: boolean): string;
  version(view: VersionView): string;
  sourcesHeader(count: number): string;
  sourceLine(line: SourceLine): string;
  noSources: string;
  stats(view: StatsView): string;
  sourceAdded(id: string, name: string, url: string): string;
  sourceRefused(error: string): string;
  sourceRemoved(id: string): string;
  sourcePaused(id: string): string;
  sourceResumed(id: string): string;
  sourceNotFound(id: string): string;
  alertOpen: string;
  alertStop(query: string): string;
  alertSubscription: string;
  alsoReportedBy: string;
  /** A folded alert lists only the first articles: how many more there are. */
  alertMore(count: number): string;
  digestTitle(count: number, query: string): string;
  digestTitleMany(count: number): string;
  stopped(query: string): string;
  chatPausedNotice(chat: string, count: number, reason: string): string;
}

function pausedReason(lang: Lang, reason: string | undefined): string {
  const zh: Record<string, string> = { user: '已手动暂停', blocked: '机器人被屏蔽或移出', bounced: '退信' };
  const en: Record<string, string> = { user: 'paused by you', blocked: 'the bot was blocked or removed', bounced: 'bounced' };
  const table = lang === 'zh' ? zh : en;
  return table[reason ?? 'user'] ?? reason ?? table.user!;
}

function langName(reply: Lang, lang: Lang): string {
  if (reply === 'zh') return lang === 'zh' ? '中文' : '英文';
  return lang === 'zh' ? 'Chinese' : 'English';
}

/** `2 d 3 h 4 min`, `3 h 0 min`, `45 s`. */
function duration(lang: Lang, seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const [d, h, m] = [Math.floor(s / 86_400), Math.floor((s % 86_400) / 3600), Math.floor((s % 3600) / 60)];
  const u = lang === 'zh' ? { d: ' 天', h: ' 小时', m: ' 分钟', s: ' 秒' } : { d: ' d', h: ' h', m: ' min', s: ' s' };
  if (s < 60) return `${s}${u.s}`;
  const parts = d > 0 ? [`${d}${u.d}`, `${h}${u.h}`, `${m}${u.m}`] : h > 0 ? [`${h}${u.h}`, `${m}${u.m}`] : [`${m}${u.m}`];
  return parts.join(' ');
}

/** `#a #b`, escaped. */
function tagLine(tags: readonly string[]): string {
  return e(tags.map((t) => `#${t}`).join(' '));
}

/** `1. <b>name</b> · <code>query</code>` or `1. <code>query</code>`, and the hashtags on a line of their own. */
function listedAs(l: SubscriptionLine): { head: string; tags: string } {
  const head = `${l.index}. ${l.name !== undefined ? `<b>${e(l.name)}</b> · ` : ''}<code>${e(l.query)}</code>`;
  return { head, tags: l.hashtags && l.hashtags.length > 0 ? `\n   ${tagLine(l.hashtags)}` : '' };
}

function caret(query: string, position: number): string {
  const chars = Array.from(query);
  const before = chars.slice(0, Math.max(0, position - 1)).join('');
  const at = chars[position - 1] ?? '';
  const after = chars.slice(position).join('');
  return `<code>${e(before)}</code><b>→${e(at || ' ')}</b><code>${e(after)}</code>`;
}

const zh: Strings = {
  commands: {
    start: '介绍 tidings 以及如何开始',
    help: '全部命令与查询语法',
    sub: '订阅关键词：/sub 科技援疆',
    unsub: '取消订阅（点选）',
    list: '本聊天的订阅',
    name: '订阅显示名：/name 序号 名称',
    tags: '订阅话题标签：/tags 序号 #标签',
    pause: '暂停所有提醒',
    resume: '恢复提醒',
    digest: '每日摘要：/digest daily@08:00 或 off',
    preview: '试一试查询：/preview 风力发电',
    script: '字形：/script original|hans|hant',
    feed: '本聊天的私人订阅源网址',
    email: '同时用邮件接收提醒：/email 地址',
    export: '把订阅导出为文件（备份、迁移）',
    import: '从文件导入订阅（附言 /import 发送文件）',
    forget: '删除本聊天的全部数据',
    unsuball: '取消全部订阅（先发送备份）',
    lang: '语言：/lang zh|en|auto',
    silent: '静音提醒：/silent on|off',
    version: 'tidings 版本',
    sources: '管理员：来源状态',
    stats: '管理员：统计',
    addsource: '管理员：添加来源 URL [标签]',
    delsource: '管理员：删除来源 ID',
    pausesource: '管理员：暂停来源 ID',
    resumesource: '管理员：恢复来源 ID',
  },
  start: (paused) =>
    `<b>tidings</b> 监测各地科技新闻（政府网站、省级媒体、订阅源），文章匹配你的关键词时即时提醒，同一新闻只提醒一次。\n\n` +
    `先订阅一个关键词：\n<code>/sub 科技援疆</code>\n<code>/sub "风力发电" OR 光伏 -招聘</code>\n\n` +
    `用 /preview 先试查询，/list 查看订阅，/help 查看全部命令。` +
    (paused > 0 ? `\n\n本聊天有 ${paused} 个订阅已暂停，发送 /resume 恢复。` : ''),
  help: (isAdmin) =>
    `<b>命令</b>\n` +
    `/sub 查询 — 订阅（立即生效）\n/unsub — 取消订阅\n/list — 查看订阅\n/preview 查询 — 看看最近哪些文章会匹配\n` +
    `/name 序号 名称 — 订阅的显示名，提醒中代替查询显示（/name 序号：清除）\n/tags 序号 #标签 … — 提醒标题下的话题标签（/tags 序号：清除）\n` +
    `/pause、/resume — 暂停、恢复提醒\n/digest daily@08:00 — 改为每日摘要（/digest off 恢复即时）\n` +
    `/script hans|hant|original — 简体、繁体或原文\n/feed — 私人订阅源（Atom）\n/email 地址 — 同时用邮件接收提醒\n` +
    `/export — 把订阅导出为文件（名称、标签和设置都在内）\n/import — 从文件导入订阅：发送文件并附言 /import，或回复 /import（也接受每行一个查询的文本）\n` +
    `/lang zh|en|auto — 回复和提醒的语言\n/silent on|off — 静音提醒（无通知声音）\n/unsuball — 取消全部订阅（先发送备份）\n/forget — 删除本聊天的全部数据\n/version — 版本\n\n` +
    `<b>查询语法</b>\n<code>科技援疆</code> 词 · <code>"国家风力发电技术创新中心"</code> 短语\n` +
    `<code>A B</code> 同时包含 · <code>A OR B</code> 任一 · <code>-A</code> 排除 · <code>( … )</code> 分组\n` +
    `<code>title:A</code> 仅标题 · <code>source:ID</code> 来源 · <code>tag:标签</code>\n简繁、全半角、大小写均不敏感。` +
    (isAdmin ? `\n\n<b>管理员</b>\n/sources /stats /addsource URL [标签] /delsource ID /pausesource ID /resumesource ID` : ''),
  failed: '出错了，请稍后再试。',
  adminOnly: '此命令仅限 tidings 管理员使用，未做任何更改。',
  chatAdminOnly: '只有本群或频道的管理员可以更改订阅，未做任何更改。',
  chatSettingsAdminOnly: '只有本群或频道的管理员可以更改本聊天的设置，未做任何更改。',
  usage: (example) => `用法：<code>${e(example)}</code>`,
  queryError: (message, position, query) => `查询有误（第 ${position} 个字符）：${e(message)}\n${caret(query, position)}`,
  limitReached: (count, limit) => `订阅数已达上限（${count}/${limit}），请先用 /unsub 删除一个。`,
  subscribed: (described, matched, recent) =>
    `已订阅：<code>${e(described)}</code>\n最近 ${recent} 篇文章中有 ${matched} 篇会匹配。新文章匹配时会提醒你。`,
  alreadySubscribed: (described) => `已有此订阅：<code>${e(described)}</code>`,
  subscribedPausedNote: '注意：本聊天的提醒已暂停，发送 /resume 恢复。',
  subscribedDigestNote: (at, tz) => `提醒以每日摘要发送（${e(at)}，${e(tz)}）。`,
  unsubPick: '点选要取消的订阅：',
  unsubMore: (count) => `（另有 ${count} 个未列出，可用 <code>/unsub ID</code> 删除）`,
  noSubscriptions: '本聊天还没有订阅。发送 <code>/sub 关键词</code> 添加。',
  unsubscribed: (query) => `已取消订阅：<code>${e(query)}</code>`,
  subscriptionGone: '本聊天没有这个订阅（可能已被删除）。',
  listHeader: (count) => `<b>本聊天的订阅（${count}）</b>`,
  listLine: (l) =>
    `${listedAs(l).head} — ` +
    (l.paused ? `已暂停（${e(pausedReason('zh', l.pausedReason))}）` : l.mode === 'digest' ? `每日摘要 ${e(l.digestAt ?? '')}（${e(l.timeZone)}）` : '即时') +
    ` · <code>${e(l.id)}</code>` +
    listedAs(l).tags,
  listFooter: '/unsub 取消 · /feed 私人订阅源 · /digest 摘要 · /pause 暂停',
  nameUsage: '用法：<code>/name 序号 名称</code>（序号见 /list，也可用 ID）；<code>/name 序号</code> 清除名称。',
  nameSet: (query, name) => `订阅 <code>${e(query)}</code> 的显示名已设为：<b>${e(name)}</b>\n提醒中将显示这个名称，匹配仍按查询。`,
  nameCleared: (query) => `已清除订阅 <code>${e(query)}</code> 的显示名，提醒中显示查询本身。`,
  nameTooLong: (max) => `名称太长：最多 ${max} 个字符。未做任何更改。`,
  tagsUsage: '用法：<code>/tags 序号 #标签1 #标签2</code>（序号见 /list，也可用 ID；标签可用空格、逗号或顿号分隔）；<code>/tags 序号</code> 清除标签。',
  tagsSet: (query, tags) => `订阅 <code>${e(query)}</code> 的标签已设为：${tagLine(tags)}\n它们会显示在提醒标题下方。`,
  tagsCleared: (query) => `已清除订阅 <code>${e(query)}</code> 的标签。`,
  tagsInvalid: (value) => `<code>${e(value)}</code> 中没有可用的标签：标签由文字、数字和 _ 组成，例如 <code>/tags 1 #芯片 #半导体</code>。未做任何更改。`,
  tagsTooLong: (max) => `标签太多：写成 #标签1 #标签2 最多 ${max} 个字符。未做任何更改。`,
  paused: (count) => `已暂停 ${count} 个订阅。发送 /resume 恢复。`,
  resumed: (count) => `已恢复 ${count} 个订阅。`,
  digestOn: (count, at, tz) => `${count} 个订阅改为每日摘要，时间 ${e(at)}（${e(tz)}）。/digest off 恢复即时提醒。`,
  digestOff: (count) => `${count} 个订阅恢复即时提醒。`,
  digestBadTime: (value) => `看不懂时间 <code>${e(value)}</code>。用法：<code>/digest daily@08:00</code> 或 <code>/digest off</code>`,
  digestBadZone: (value) => `未知时区 <code>${e(value)}</code>，例如 <code>Asia/Shanghai</code>。`,
  previewHeader: (matched, recent, shown) => `最近 ${recent} 篇文章中有 ${matched} 篇匹配${matched > shown ? `，显示最新 ${shown} 篇` : ''}：`,
  previewNone: (recent) => `最近 ${recent} 篇文章中没有匹配的。`,
  scriptSet: (count, script) => `${count} 个订阅的提醒将以${script === 'hans' ? '简体' : script === 'hant' ? '繁体' : '原文字形'}显示。`,
  feed: (url, count) => `本聊天全部订阅（${count} 个）的私人订阅源，请勿公开：\n${e(url)}`,
  emailSent: (address) => `已向 <code>${e(address)}</code> 发送确认邮件。点击邮件中的链接后，本聊天的订阅会同时发到这个邮箱（链接 7 天内有效）。`,
  emailInvalid: (value) => `<code>${e(value)}</code> 不像一个邮箱地址。用法：<code>/email name@example.com</code>`,
  emailLimited: (minutes) => `确认邮件发送得太频繁了，请约 ${minutes} 分钟后再试。未发送邮件。`,
  emailDisabled: '此服务器未启用邮件提醒。',
  forgetConfirm: (count) => `删除本聊天的全部数据：${count} 个订阅、私人订阅源网址和待发送的提醒？此操作无法撤销。`,
  forgetYes: '全部删除',
  forgetNo: '取消',
  forgotten: (subs, pending) => `已删除 ${subs} 个订阅、私人订阅源网址和 ${pending} 条待发送的提醒。`,
  forgetCancelled: '已取消，未做任何更改。',
  unsuballNone: '本聊天没有订阅，无需取消。',
  unsuballConfirm: (count, backups) =>
    `取消本聊天的全部 ${count} 个订阅，并丢弃待发送的提醒？\n${backups > 1 ? `上面 ${backups} 条消息是备份` : '上面那条消息是备份'}：原样发回即可重新订阅。`,
  unsuballYes: '全部取消订阅',
  unsuballNo: '保留',
  unsuballDone: (subs, pending) => `已取消 ${subs} 个订阅，丢弃 ${pending} 条待发送的提醒。发回备份消息即可重新订阅。`,
  unsuballCancelled: '已取消操作，订阅保持不变。',
  exportCaption: (count, cmd) =>
    `本聊天的 <b>${count} 个订阅</b>（含名称、标签和设置）。\n要恢复（在这里或其他聊天）：把这个文件发给机器人并附言 <code>${e(cmd)}</code>，或回复这条消息 <code>${e(cmd)}</code>。`,
  importUsage: (cmd, maxKb) =>
    `用法：发送订阅文件（来自 /export，或每行一个查询的文本）并附言 <code>${e(cmd)}</code>，或用 <code>${e(cmd)}</code> 回复带有该文件的消息。文件最大 ${maxKb} KB。`,
  importTooBig: (sizeKb, maxKb) => `文件太大（${sizeKb} KB），/import 最多接受 ${maxKb} KB。未导入任何订阅。`,
  importDownloadFailed: '无法从 Telegram 下载这个文件，请稍后再试。未导入任何订阅。',
  importInvalid: (file, n) => `未导入任何订阅：文件 <code>${e(file)}</code> 有 ${n} 处问题：`,
  importProblem: (line, text) => `${line !== undefined ? `第 ${line} 行：` : ''}<code>${e(text)}</code>`,
  importInvalidFooter: (cmd) => `修正后再次发送文件并附言 <code>${e(cmd)}</code>。`,
  importEmpty: (file) => `文件 <code>${e(file)}</code> 中没有订阅，未导入任何内容。`,
  importReport: (v) =>
    `已从 <code>${e(v.file)}</code> 导入：新增 ${v.added} 个，已有 ${v.existing} 个` +
    (v.relabeled > 0 ? `（其中 ${v.relabeled} 个更新了名称或标签）` : '') +
    (v.failed > 0 ? `，${v.failed} 个未导入：` : '。'),
  importFailure: (f) => `第 ${f.line} 行 <code>${e(f.query)}</code>：${f.limit ? `订阅数已达上限（${f.limit.count}/${f.limit.limit}）` : e(f.reason)}`,
  importMore: (count) => `……另有 ${count} 个`,
  importFooter: (limited) => (limited ? '用 /unsub 删除一些订阅后再次导入同一文件即可（已有的订阅会保留）。/list 查看订阅。' : '/list 查看本聊天的订阅。'),
  langShow: (current, pinned) =>
    `本聊天的语言：<b>${langName('zh', current)}</b>${pinned ? '（已固定）' : '（跟随发送者的 Telegram 语言）'}。\n` +
    `用法：<code>/lang zh</code> 或 <code>/lang en</code> 固定回复和提醒的语言，<code>/lang auto</code> 恢复跟随发送者。`,
  langPinned: (lang) => `本聊天的回复和提醒固定使用${langName('zh', lang)}。<code>/lang auto</code> 恢复跟随发送者的语言。`,
  langAuto: (current) => `本聊天不再固定语言：回复跟随发送者的 Telegram 语言，提醒使用最近一次的语言（目前为${langName('zh', current)}）。`,
  silentShow: (on) =>
    `本聊天的提醒目前${on ? '<b>静音</b>发送（无通知声音）' : '正常发送（有通知声音）'}。\n用法：<code>/silent on</code> 或 <code>/silent off</code>`,
  silentSet: (on) => (on ? '本聊天的提醒将静音发送（无通知声音）。<code>/silent off</code> 恢复。' : '本聊天的提醒恢复通知声音。'),
  version: (v) =>
    `<b>tidings</b> ${e(v.version)}` + (v.node !== undefined ? `\nNode.js ${e(v.node)} · 已运行 ${duration('zh', v.uptimeSeconds ?? 0)}` : ''),
  sourcesHeader: (count) => `<b>来源（${count}）</b>`,
  sourceLine: (l) =>
    `${l.status === 'ok' ? '✅' : l.status === 'failing' ? '❌' : l.status === 'paused' ? '⏸' : '…'} <code>${e(l.id)}</code> ${e(l.name)}\n` +
    `   上次成功 ${e(l.lastSuccess ?? '从未')} · 连续错误 ${l.errors} · 条目 ${l.items ?? '—'}` +
    (l.lastError ? `\n   ${e(l.lastError)}` : ''),
  noSources: '没有来源。',
  stats: (v) =>
    `<b>统计</b>\n订阅 ${v.subscriptions} · 聊天 ${v.chats}\n提醒：待发送 ${v.pending} · 已发送 ${v.sent} · 失败 ${v.failed}\n` +
    (v.pausedChats.length === 0
      ? '没有暂停的聊天。'
      : `暂停的聊天（${v.pausedChats.length}）：\n${v.pausedChats.map((p) => `<code>${e(p.chat)}</code> ${p.count} 个订阅 — ${e(pausedReason('zh', p.reason))}`).join('\n')}`),
  sourceAdded: (id, name, url) => `已添加来源 <code>${e(id)}</code> ${e(name)}\n${e(url)}`,
  sourceRefused: (error) => `未添加：${e(error)}`,
  sourceRemoved: (id) => `已删除来源 <code>${e(id)}</code>。`,
  sourcePaused: (id) => `已暂停来源 <code>${e(id)}</code>。`,
  sourceResumed: (id) => `已恢复来源 <code>${e(id)}</code>。`,
  sourceNotFound: (id) => `没有来源 <code>${e(id)}</code>（/sources 查看全部）。`,
  alertOpen: '阅读原文',
  alertStop: (query) => `退订：${query}`,
  alertSubscription: '订阅',
  alsoReportedBy: '其他报道',
  alertMore: (count) => `……另有 ${count} 篇`,
  digestTitle: (count, query) => `「${e(query)}」有 ${count} 篇新文章`,
  digestTitleMany: (count) => `${count} 篇新文章`,
  stopped: (query) => `已退订：${query}`,
  chatPausedNotice: (chat, count, reason) => `聊天 <code>${e(chat)}</code> 的 ${count} 个订阅已暂停：${e(reason)}`,
};

const en: Strings = {
  commands: {
    start: 'What tidings does and how to begin',
    help: 'All commands and the query syntax',
    sub: 'Subscribe to a query: /sub 科技援疆',
    unsub: 'Remove a subscription (tap to choose)',
    list: "This chat's subscriptions",
    name: 'Name a subscription: /name N NAME',
    tags: 'Hashtags for a subscription: /tags N #tag',
    pause: 'Pause all alerts',
    resume: 'Resume alerts',
    digest: 'Daily digest: /digest daily@08:00 or off',
    preview: 'Try a query: /preview 风力发电',
    script: 'Script: /script original|hans|hant',
    feed: "This chat's private feed URL",
    email: 'Alerts by email too: /email ADDRESS',
    export: 'Your subscriptions as a file (backup, moving)',
    import: 'Subscriptions from a file (send it with the caption /import)',
    forget: 'Delete everything kept about this chat',
    unsuball: 'Remove all subscriptions (a backup first)',
    lang: 'Language: /lang zh|en|auto',
    silent: 'Silent alerts: /silent on|off',
    version: 'The tidings version',
    sources: 'Admin: source health',
    stats: 'Admin: statistics',
    addsource: 'Admin: add a source URL [tags]',
    delsource: 'Admin: delete source ID',
    pausesource: 'Admin: pause source ID',
    resumesource: 'Admin: resume source ID',
  },
  start: (paused) =>
    `<b>tidings</b> watches Chinese regional science-and-technology news (government sites, provincial dailies, feeds) and alerts you when an article matches your keywords — once per story, however many sites carry it.\n\n` +
    `Begin with a subscription:\n<code>/sub 科技援疆</code>\n<code>/sub "风力发电" OR 光伏 -招聘</code>\n\n` +
    `Try a query first with /preview, see yours with /list; /help lists everything.` +
    (paused > 0 ? `\n\n${paused} subscription${paused === 1 ? ' is' : 's are'} paused in this chat; send /resume to get alerts again.` : ''),
  help: (isAdmin) =>
    `<b>Commands</b>\n` +
    `/sub QUERY — subscribe (at once)\n/unsub — remove a subscription\n/list — your subscriptions\n/preview QUERY — which recent articles a query matches\n` +
    `/name N NAME — a display name for subscription N, shown in alerts instead of its query (/name N: clear it)\n/tags N #tag … — hashtags under the title of its alerts (/tags N: clear them)\n` +
    `/pause, /resume — pause or resume alerts\n/digest daily@08:00 — one digest a day (/digest off: instant again)\n` +
    `/script hans|hant|original — Simplified, Traditional or as published\n/feed — a private Atom feed\n/email ADDRESS — alerts by email too\n` +
    `/export — your subscriptions as a file (names, tags and settings included)\n/import — subscriptions from a file: send it with the caption /import, or reply /import to it (one query a line works too)\n` +
    `/lang zh|en|auto — the language of replies and alerts\n/silent on|off — alerts without a notification sound\n/unsuball — remove every subscription (a backup first)\n/forget — delete everything about this chat\n/version — the version\n\n` +
    `<b>Queries</b>\n<code>科技援疆</code> term · <code>"国家风力发电技术创新中心"</code> phrase\n` +
    `<code>A B</code> both · <code>A OR B</code> either · <code>-A</code> not · <code>( … )</code> groups\n` +
    `<code>title:A</code> title only · <code>source:ID</code> · <code>tag:TAG</code>\nScript (简/繁), width and case do not matter.` +
    (isAdmin ? `\n\n<b>Admin</b>\n/sources /stats /addsource URL [tags] /delsource ID /pausesource ID /resumesource ID` : ''),
  failed: 'Something went wrong on our side; please try again in a minute.',
  adminOnly: 'This command is for tidings admins only. Nothing was changed.',
  chatAdminOnly: "Only this chat's admins can change its subscriptions. Nothing was changed.",
  chatSettingsAdminOnly: "Only this chat's admins can change its settings. Nothing was changed.",
  usage: (example) => `Usage: <code>${e(example)}</code>`,
  queryError: (message, position, query) => `That query does not work (character ${position}): ${e(message)}\n${caret(query, position)}`,
  limitReached: (count, limit) => `This chat has ${count}/${limit} subscriptions, the most it may have. Remove one with /unsub first.`,
  subscribed: (described, matched, recent) =>
    `Subscribed: <code>${e(described)}</code>\nIt would have matched ${matched} of the last ${recent} articles. You will get an alert when a new one matches.`,
  alreadySubscribed: (described) => `Already subscribed: <code>${e(described)}</code>`,
  subscribedPausedNote: 'Note: alerts are paused in this chat; send /resume to get them.',
  subscribedDigestNote: (at, tz) => `Alerts come as a daily digest at ${e(at)} (${e(tz)}).`,
  unsubPick: 'Tap the subscription to remove:',
  unsubMore: (count) => `(${count} more not shown; remove one with <code>/unsub ID</code>)`,
  noSubscriptions: 'This chat has no subscriptions yet. Add one with <code>/sub QUERY</code>.',
  unsubscribed: (query) => `Removed: <code>${e(query)}</code>`,
  subscriptionGone: 'This chat has no such subscription (it may have been removed already).',
  listHeader: (count) => `<b>Subscriptions of this chat (${count})</b>`,
  listLine: (l) =>
    `${listedAs(l).head} — ` +
    (l.paused ? `paused (${e(pausedReason('en', l.pausedReason))})` : l.mode === 'digest' ? `daily digest at ${e(l.digestAt ?? '')} (${e(l.timeZone)})` : 'instant') +
    ` · <code>${e(l.id)}</code>` +
    listedAs(l).tags,
  listFooter: '/unsub removes one · /feed private feed · /digest daily digest · /pause',
  nameUsage: 'Usage: <code>/name N NAME</code> (N: its number in /list, or its ID); <code>/name N</code> alone clears the name.',
  nameSet: (query, name) => `Subscription <code>${e(query)}</code> is now called <b>${e(name)}</b>.\nAlerts show this name; the query still does the matching.`,
  nameCleared: (query) => `Subscription <code>${e(query)}</code> has no name any more; alerts show its query.`,
  nameTooLong: (max) => `That name is too long: at most ${max} characters. Nothing was changed.`,
  tagsUsage:
    'Usage: <code>/tags N #tag1 #tag2</code> (N: its number in /list, or its ID; tags separated by spaces or commas); <code>/tags N</code> alone clears them.',
  tagsSet: (query, tags) => `Hashtags of subscription <code>${e(query)}</code>: ${tagLine(tags)}\nThey go on a line under the title of its alerts.`,
  tagsCleared: (query) => `Subscription <code>${e(query)}</code> has no hashtags any more.`,
  tagsInvalid: (value) => `No usable hashtag in <code>${e(value)}</code>: a tag is letters, digits and _, for example <code>/tags 1 #chips #semiconductors</code>. Nothing was changed.`,
  tagsTooLong: (max) => `Too many hashtags: written as #tag1 #tag2 they may take at most ${max} characters. Nothing was changed.`,
  paused: (count) => `Paused ${count} subscription${count === 1 ? '' : 's'}. Send /resume to get alerts again.`,
  resumed: (count) => `Resumed ${count} subscription${count === 1 ? '' : 's'}.`,
  digestOn: (count, at, tz) => `${count} subscription${count === 1 ? '' : 's'} now come as a daily digest at ${e(at)} (${e(tz)}). /digest off: instant alerts again.`,
  digestOff: (count) => `${count} subscription${count === 1 ? '' : 's'} back to instant alerts.`,
  digestBadTime: (value) => `I cannot read the time <code>${e(value)}</code>. Use <code>/digest daily@08:00</code> or <code>/digest off</code>.`,
  digestBadZone: (value) => `Unknown time zone <code>${e(value)}</code>; for example <code>Asia/Shanghai</code>.`,
  previewHeader: (matched, recent, shown) => `${matched} of the last ${recent} articles match${matched > shown ? `; the newest ${shown}` : ''}:`,
  previewNone: (recent) => `None of the last ${recent} articles matches.`,
  scriptSet: (count, script) =>
    `Alerts of ${count} subscription${count === 1 ? '' : 's'} are now shown ${script === 'hans' ? 'in Simplified Chinese' : script === 'hant' ? 'in Traditional Chinese' : 'as published'}.`,
  feed: (url, count) => `The private feed of all ${count} subscription${count === 1 ? '' : 's'} of this chat (keep it to yourself):\n${e(url)}`,
  emailSent: (address) => `A confirmation email is on its way to <code>${e(address)}</code>. Once the link in it is opened (within 7 days), this chat's subscriptions go to that address too.`,
  emailInvalid: (value) => `<code>${e(value)}</code> does not look like an email address. Usage: <code>/email name@example.com</code>`,
  emailLimited: (minutes) => `Too many confirmation emails lately; please try again in about ${minutes} minutes. Nothing was sent.`,
  emailDisabled: 'Email alerts are not enabled on this server.',
  forgetConfirm: (count) => `Delete everything about this chat: ${count} subscription${count === 1 ? '' : 's'}, the private feed URL and alerts not yet sent? This cannot be undone.`,
  forgetYes: 'Delete everything',
  forgetNo: 'Cancel',
  forgotten: (subs, pending) => `Deleted ${subs} subscription${subs === 1 ? '' : 's'}, the private feed URL and ${pending} alert${pending === 1 ? '' : 's'} not yet sent.`,
  forgetCancelled: 'Cancelled; nothing was changed.',
  unsuballNone: 'This chat has no subscriptions; there is nothing to remove.',
  unsuballConfirm: (count, backups) =>
    `Remove all ${count} subscription${count === 1 ? '' : 's'} of this chat, and the alerts not yet sent?\n` +
    `${backups > 1 ? `The ${backups} messages above are a backup` : 'The message above is a backup'}: send ${backups > 1 ? 'them' : 'it'} back as ${backups > 1 ? 'they are' : 'it is'} to subscribe again.`,
  unsuballYes: 'Remove all',
  unsuballNo: 'Keep them',
  unsuballDone: (subs, pending) =>
    `Removed ${subs} subscription${subs === 1 ? '' : 's'} and ${pending} alert${pending === 1 ? '' : 's'} not yet sent. Send the backup back to subscribe again.`,
  unsuballCancelled: 'Cancelled; the subscriptions are kept.',
  exportCaption: (count, cmd) =>
    `The <b>${count} subscription${count === 1 ? '' : 's'}</b> of this chat, with names, tags and settings.\n` +
    `To restore them, here or in another chat: send this file to the bot with the caption <code>${e(cmd)}</code>, or reply <code>${e(cmd)}</code> to this message.`,
  importUsage: (cmd, maxKb) =>
    `Usage: send a subscriptions file (from /export, or one query a line) with the caption <code>${e(cmd)}</code>, or reply <code>${e(cmd)}</code> to a message carrying it. At most ${maxKb} KB.`,
  importTooBig: (sizeKb, maxKb) => `That file is ${sizeKb} KB; /import takes at most ${maxKb} KB. Nothing was imported.`,
  importDownloadFailed: 'Telegram would not give me that file; please try again in a minute. Nothing was imported.',
  importInvalid: (file, n) => `Nothing was imported: <code>${e(file)}</code> has ${n} problem${n === 1 ? '' : 's'}:`,
  importProblem: (line, text) => `${line !== undefined ? `line ${line}: ` : ''}<code>${e(text)}</code>`,
  importInvalidFooter: (cmd) => `Fix them and send the file again with the caption <code>${e(cmd)}</code>.`,
  importEmpty: (file) => `There are no subscriptions in <code>${e(file)}</code>; nothing was imported.`,
  importReport: (v) =>
    `Imported from <code>${e(v.file)}</code>: ${v.added} added, ${v.existing} already here` +
    (v.relabeled > 0 ? ` (${v.relabeled} with a new name or tags)` : '') +
    (v.failed > 0 ? `, ${v.failed} not imported:` : '.'),
  importFailure: (f) => `line ${f.line} <code>${e(f.query)}</code>: ${f.limit ? `this chat has reached its limit (${f.limit.count}/${f.limit.limit})` : e(f.reason)}`,
  importMore: (count) => `…and ${count} more`,
  importFooter: (limited) =>
    limited ? 'Remove some with /unsub, then import the same file again (what is already here is kept). /list shows them.' : "/list shows this chat's subscriptions.",
  langShow: (current, pinned) =>
    `This chat's language: <b>${langName('en', current)}</b>${pinned ? ' (pinned)' : " (follows each sender's Telegram language)"}.\n` +
    `Usage: <code>/lang zh</code> or <code>/lang en</code> pins the language of replies and alerts; <code>/lang auto</code> follows the senders again.`,
  langPinned: (lang) => `Replies and alerts in this chat are now in ${langName('en', lang)}. <code>/lang auto</code>: follow each sender's language again.`,
  langAuto: (current) => `The language is no longer pinned: replies follow each sender's Telegram language, alerts the last one seen (now ${langName('en', current)}).`,
  silentShow: (on) =>
    `Alerts in this chat arrive ${on ? '<b>silently</b> (no notification sound)' : 'with a notification sound'}.\nUsage: <code>/silent on</code> or <code>/silent off</code>`,
  silentSet: (on) => (on ? 'Alerts in this chat now arrive silently (no notification sound). <code>/silent off</code>: with sound again.' : 'Alerts in this chat arrive with a notification sound again.'),
  version: (v) =>
    `<b>tidings</b> ${e(v.version)}` + (v.node !== undefined ? `\nNode.js ${e(v.node)} · up ${duration('en', v.uptimeSeconds ?? 0)}` : ''),
  sourcesHeader: (count) => `<b>Sources (${count})</b>`,
  sourceLine: (l) =>
    `${l.status === 'ok' ? '✅' : l.status === 'failing' ? '❌' : l.status === 'paused' ? '⏸' : '…'} <code>${e(l.id)}</code> ${e(l.name)}\n` +
    `   last success ${e(l.lastSuccess ?? 'never')} · errors in a row ${l.errors} · items ${l.items ?? '—'}` +
    (l.lastError ? `\n   ${e(l.lastError)}` : ''),
  noSources: 'There are no sources.',
  stats: (v) =>
    `<b>Statistics</b>\nsubscriptions ${v.subscriptions} · chats ${v.chats}\nalerts: pending ${v.pending} · sent ${v.sent} · failed ${v.failed}\n` +
    (v.pausedChats.length === 0
      ? 'No chat is paused.'
      : `Paused chats (${v.pausedChats.length}):\n${v.pausedChats.map((p) => `<code>${e(p.chat)}</code> ${p.count} subscription${p.count === 1 ? '' : 's'} — ${e(pausedReason('en', p.reason))}`).join('\n')}`),
  sourceAdded: (id, name, url) => `Added source <code>${e(id)}</code> ${e(name)}\n${e(url)}`,
  sourceRefused: (error) => `Not added: ${e(error)}`,
  sourceRemoved: (id) => `Deleted source <code>${e(id)}</code>.`,
  sourcePaused: (id) => `Paused source <code>${e(id)}</code>.`,
  sourceResumed: (id) => `Resumed source <code>${e(id)}</code>.`,
  sourceNotFound: (id) => `There is no source <code>${e(id)}</code> (see /sources).`,
  alertOpen: 'Open',
  alertStop: (query) => `Stop: ${query}`,
  alertSubscription: 'Subscription',
  alsoReportedBy: 'Also reported by',
  alertMore: (count) => `…and ${count} more`,
  digestTitle: (count, query) => `${count} new article${count === 1 ? '' : 's'} for ${e(query)}`,
  digestTitleMany: (count) => `${count} new article${count === 1 ? '' : 's'}`,
  stopped: (query) => `Stopped: ${query}`,
  chatPausedNotice: (chat, count, reason) => `Paused ${count} subscription${count === 1 ? '' : 's'} of chat <code>${e(chat)}</code>: ${e(reason)}`,
};

const tables: Record<Lang, Strings> = { zh, en };

export function strings(lang: Lang): Strings {
  return tables[lang];
}
