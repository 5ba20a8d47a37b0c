/**
 * The data of strip-chrome-lines.ts: what page furniture ("chrome") looks like when a page's
 * text is laid out one paragraph a line.
 *
 * Every rule tests one view of a line (see text-lines.ts and `bareOf` below), all in match
 * form (Simplified, width-folded, lower-case), so `瀏覽次數：386` and `浏览次数:386` are one
 * case:
 * - `form`: whitespace collapsed to single spaces (rules that need word boundaries);
 * - `compact`: no whitespace, no leading list marker (most rules);
 * - `bare`: compact without brackets, separators and punctuation (word-only lines).
 *
 * The rules are general patterns of Chinese news and government sites (see
 * ../shared/docs/domain.md, "furniture vocabulary"), never strings of one site. Three guards
 * keep article sentences safe, and every rule uses at least one:
 * - whole-line patterns (`^…$`) or word-only lines: a sentence that merely mentions 登录 or
 *   分享 is never made only of widget words;
 * - length limits (`maxLength`, on the compact view): furniture lines are short;
 * - punctuation guards: `noSentenceEnd` (no 。!?) and `noProsePunctuation` (no , 。 ; ! ? 、),
 *   since article paragraphs are written in sentences and menus are not.
 */

export type LineView = 'form' | 'compact' | 'bare';

export interface ChromeLineRule {
  readonly name: string;
  readonly description: string;
  readonly view: LineView;
  /** The line (in `view`) must match; with the `g` flag, at least `minMatches` times. */
  readonly pattern?: RegExp;
  readonly minMatches?: number;
  /** The line (in `view`) must consist only of these words (each a sticky-safe RegExp source). */
  readonly onlyWords?: readonly string[];
  /** Bounds on the compact length. */
  readonly maxLength?: number;
  readonly minLength?: number;
  readonly noSentenceEnd?: boolean;
  readonly noProsePunctuation?: boolean;
  /** The line heads a block of links (相关阅读, 热点排行 …): the short lines after it go too. */
  readonly opensBlock?: boolean;
  /** The line is a site footer: once the article has begun, everything after it is footer. */
  readonly endsPage?: boolean;
}

/** Sentence ends (in match form). */
export const SENTENCE_END = /[。!?]/;
/** Any clause or sentence punctuation (in match form). */
export const PROSE_PUNCTUATION = /[,。;!?、]/;

/** Brackets, separators and punctuation removed to get the `bare` view. */
const BARE_STRIP = /[【】[\]()<>《》「」『』〔〕|/\\·•:;,、?!+=*#~"'“”‘’—–\-_.…。]/g;

export function bareOf(compact: string): string {
  return compact.replace(BARE_STRIP, '');
}

/**
 * Widget words: print/close links, share bars, favourites, font-size switches, audio
 * players, login boxes, comment widgets, "more" links. A line made only of these (in the bare
 * view) is a widget: `【打印本页】【关闭窗口】`, `分享到：微信 微博 QQ空间`, `字号：大 中 小`,
 * `账号+密码登录`, `还没有账号？`, `评论(0)`, `已有0条评论 我要评论`, `undefined 条评论`.
 */
export const WIDGET_WORDS: readonly string[] = [
  // print, close, navigation within the page
  '打印本页', '打印此页', '打印文章', '打印本文', '打印', '关闭本页', '关闭窗口', '关闭本文', '关闭',
  '返回顶部', '回到顶部', '返回首页', '返回列表', '返回上页', '返回', '顶部', 'top',
  // favourites and sharing
  '收藏本页', '收藏本文', '加入收藏', '收藏', '分享到', '分享至', '分享给', '一键分享', '分享', '转发到', '转发',
  '微信好友', '微信朋友圈', '朋友圈', '微信', '新浪微博', '腾讯微博', '微博', 'qq空间', 'qq好友', 'qq', '豆瓣', '人人网',
  '复制链接', '复制网址', '链接已复制', '二维码', '扫一扫',
  // font size and reading aids
  '字体大小', '文字大小', '字号', '字体', '大字号', '中字号', '小字号', '默认', '标准', '放大', '缩小', '超大', '较大',
  '大', '中', '小', 'a', '听新闻', '语音播报', '播报', '朗读', '停止',
  // login and registration boxes
  '会员登录', '用户登录', '第三方登录', '请登录', '登录', '登陆', '立即注册', '免费注册', '注册', '注销', '退出登录', '退出',
  '用户名', '用户', '账号', '帐号', '忘记密码', '找回密码', '记住密码', '密码', '获取验证码', '验证码', '记住我',
  '下次自动登录', '自动登录', '手机号', '手机', '还没有账号', '没有账号', '已有账号', '个人中心',
  // comment widgets and counters
  '已有\\d+条评论', '共\\d+条评论', '\\d*条评论', '评论\\d*', '\\d+人参与', '参与讨论', '我要评论', '发表评论', '网友评论',
  '文章评论', '全部评论', '查看评论', '最新评论', '热门评论', '精彩评论', '评论区', '跟帖', '点赞\\d*', '赞\\d*', '顶', '踩',
  '举报', '发表', '提交', '取消', '回复',
  // more / search / leftovers of scripts that did not run
  '加载更多', '查看更多', '更多', 'more', '阅读全文', '展开全文', '全文', '搜索', '检索', '我要纠错', '纠错', '打赏',
  'undefined', 'null', 'nan',
];

/** Navigation words of header and footer menus (`关于我们 | 联系我们 | 网站地图`). */
const NAV_WORDS =
  '网站首页|首页|主页|关于我们|关于本站|联系我们|联系方式|免责声明|网站声明|法律声明|版权声明|隐私政策|隐私保护|隐私声明|' +
  '网站地图|站点地图|网站导航|网站介绍|网站简介|本站简介|招聘信息|人才招聘|诚聘英才|招聘英才|广告服务|广告刊例|广告合作|' +
  '商务合作|意见反馈|留言反馈|帮助中心|使用帮助|设为首页|加入收藏|成为会员|会员中心|人员查询|在线投稿|投稿|订阅|友情链接|' +
  '使用条款|服务条款|用户协议|网站纠错|无障碍|长者模式|繁体|简体|english|rss|下载客户端|客户端下载|手机版|移动版|电子报|数字报|' +
  // columns of government sites (政府网站 menus)
  '机构概况|机构设置|政务公开|政府信息公开|信息公开|互动交流|政民互动|办事服务|在线服务|在线办事|公众参与|新闻中心|通知公告|专题专栏';

/** Labels of the article info line (`发布时间：… 来源：… 浏览次数：…`), in form view. */
export const INFO_LABELS =
  '文章来源|信息来源|稿件来源|来源|稿源|出处|发布时间|发布日期|发表时间|更新时间|时间|日期|作者|责任编辑|编辑|发布者|' +
  '发布人|发布机构|点击数|点击量|点击率|点击|浏览次数|浏览量|浏览|阅读量|阅读数|阅读|访问量|字号|字体';

/** A label of INFO_LABELS at the line start or after a space, separator or digit (`19:42来源：`), then a colon. */
export const INFO_LABEL_AT = new RegExp(`(?:^|[\\s|/【\\[(]|(?<=\\d))(${INFO_LABELS})\\s*:`, 'g');

/** Headings of link blocks: related stories, hot lists, recommendations, friend links. */
const BLOCK_HEADINGS =
  '相关文章|相关阅读|相关新闻|相关链接|相关报道|相关稿件|相关推荐|延伸阅读|推荐阅读|阅读推荐|更多推荐|更多阅读|更多新闻|' +
  '热点排行|热点推荐|热点新闻|热点文章|热点专题|今日热点|今日推荐|热门文章|热门推荐|热门新闻|热门排行|热门阅读|阅读排行|' +
  '点击排行|排行榜|猜你喜欢|你可能感兴趣|你可能还喜欢|大家都在看|精彩推荐|编辑推荐|专题推荐|最新文章|最新新闻|最新资讯|' +
  '图片新闻|视频推荐|精彩图片|友情链接';

/** Contact labels of site footers; such a line right above a footer line is footer too. */
export const FOOTER_CONTACT = /^(?:地址|联系地址|通讯地址|联系电话|电话|传真|邮编|邮箱|电子邮箱|e-?mail|主办单位|主办|承办单位|承办|协办单位|协办|技术支持|网站维护|运维单位)[:]/;

/**
 * The line rules, tested in this order (the first that matches names the removal). Block
 * items, the page footer's tail and the short-line runs around the article are structural and
 * live in strip-chrome-lines.ts.
 */
export const CHROME_LINE_RULES: readonly ChromeLineRule[] = [
  {
    name: 'font-size',
    description: 'one entry of a pixel font-size picker: "32px", "- 50px", "14pt"',
    view: 'compact',
    pattern: /^\d{1,2}(?:\.\d)?(?:px|pt|em)$/,
  },
  {
    name: 'widget',
    description: 'a line made only of widget words (print, close, share, favourites, font size, login, comment counters, "more")',
    view: 'bare',
    onlyWords: WIDGET_WORDS,
    maxLength: 80,
  },
  {
    name: 'counter',
    description: 'a hit counter: "点击:1206", "浏览量: 1206", "阅读 386"',
    view: 'compact',
    pattern: /^(?:点击|点击数|点击量|点击率|浏览|浏览次数|浏览量|阅读|阅读量|阅读数|阅读次数|访问量|访问次数|人气|热度)[:]?\d*次?$/,
  },
  {
    name: 'bare-number',
    description: 'a number alone on a line: a comment or like counter ("0") or a year tile ("2024")',
    view: 'compact',
    pattern: /^\d{1,7}$/,
  },
  {
    name: 'date-fragment',
    description: 'a numeric date or time alone on a line ("10/13", "18:44", "2024-10-13 18:44"); dates written 2024年10月13日 are signatures and stay',
    view: 'form',
    pattern: /^(?:\d{1,2}[/.-]\d{1,2}|\d{1,2}:\d{2}(?::\d{2})?|\d{4}[/.-]\d{1,2}[/.-]\d{1,2}(?: \d{1,2}:\d{2}(?::\d{2})?)?)$/,
  },
  {
    name: 'input-prompt',
    description: 'a form placeholder: "请输入关键词", "请输入用户名"',
    view: 'compact',
    pattern: /^(?:请输入|请填写|请选择)(?:您的)?(?:用户名|账号|帐号|密码|验证码|关键词|关键字|手机号|搜索内容|内容|邮箱)/,
    maxLength: 20,
  },
  {
    name: 'prev-next',
    description: 'previous/next links: "上一篇：…", "下一篇：没有了"',
    view: 'compact',
    pattern: /^(?:上一篇|下一篇|上一条|下一条|上篇|下篇|前一篇|后一篇|上一页|下一页)(?::|>|$)/,
    maxLength: 100,
  },
  {
    name: 'breadcrumb-label',
    description: 'a labelled breadcrumb: "当前位置：首页 > 科技援疆 > 正文", "您现在的位置：…"',
    view: 'compact',
    pattern: /^(?:当前位置|您现在的位置|您当前的位置|您的位置|现在位置|所在位置|当前页面)[:]?/,
    maxLength: 120,
    noSentenceEnd: true,
  },
  {
    name: 'breadcrumb-path',
    description: 'a path of at least three crumbs: "首页 > 科技前沿 > 标题", "新闻 » 地方 » 正文"',
    view: 'compact',
    pattern: /^[^>»→]{1,30}(?:(?:>>?|»|→)[^>»→]{1,80}){2,}$/,
    maxLength: 140,
  },
  {
    name: 'breadcrumb-home',
    description: 'a path from the home page with slashes or dashes: "首页 / 新闻中心 / 正文"',
    view: 'compact',
    pattern: /^(?:首页|主页|网站首页)(?:[/|>»→-]+[^/|>»→]{1,30}){1,}$/,
    maxLength: 100,
    noSentenceEnd: true,
  },
  {
    name: 'disclaimer',
    description: 'a labelled notice: "免责声明：…", "版权声明：…", "特别声明：…"',
    view: 'compact',
    pattern: /^[【[(]?(?:免责声明|版权声明|特别声明|郑重声明|转载声明|声明)[】\])]?:/,
  },
  {
    name: 'reprint-notice',
    description: 'reposting boilerplate: "本网转载自其它媒体…", "不代表本网观点", "版权归原作者所有", "如有侵权请联系删除"',
    view: 'compact',
    pattern:
      /转载自其[他它]媒体|不代表本(?:网|站|平台|号|报|刊)(?:赞同|的?观点|的?立场)|版权归(?:原)?作者(?:所有)?|如有侵权.{0,12}(?:删除|联系)|侵犯了您的(?:版权|权益|权利)|联系(?:我们|本站|本网)?(?:予以)?删除|第一时间删除|仅代表作者(?:本人)?(?:观点|立场)|(?:本文|文章)来源于网络|转载请注明(?:出处|来源)/,
  },
  {
    name: 'copyright',
    description:
      'copyright and registration footers: "Copyright © …", "版权所有", "京ICP备…号", "京公网安备…", "网站标识码…" (registrations need their number, so a line about ICP备案 stays)',
    view: 'compact',
    pattern:
      /icp[备证][^\d]{0,6}\d|公网安备[^\d]{0,4}\d|网站(?:标识|识别)码[^\d]{0,2}\d|copyright(?:©|\(c\)|\d{4})|©|allrightsreserved|版权所有(?![人者权])|未经.{0,6}授权.{0,6}(?:禁止|不得)(?:转载|使用|复制|镜像)/,
    noSentenceEnd: true,
    endsPage: true,
  },
  {
    name: 'site-footer',
    description: 'a footer line of several labels, one of them the site operator: "主办：… 地址：… 邮编：…"',
    view: 'form',
    pattern: /(?:^|\s)(?:主办单位|主办|承办单位|承办|协办单位|协办|技术支持|网站维护|运维单位|地址|联系电话|电话|传真|邮编|邮箱)\s*:/g,
    minMatches: 2,
    noSentenceEnd: true,
    maxLength: 200,
  },
  {
    name: 'navigation',
    description: 'a menu: at least two navigation words and no sentence punctuation ("关于我们 | 联系我们 | 网站地图")',
    view: 'compact',
    pattern: new RegExp(NAV_WORDS, 'g'),
    minMatches: 2,
    noProsePunctuation: true,
  },
  {
    name: 'navigation-run',
    description: 'a long run of menu labels with no punctuation at all that names a navigation word (a flattened menu bar)',
    view: 'compact',
    pattern: new RegExp(NAV_WORDS, 'g'),
    minMatches: 1,
    minLength: 30,
    noProsePunctuation: true,
  },
  {
    name: 'empty-label',
    description: 'a field label with no value: "【作者:】", "来源：", "责任编辑："',
    view: 'compact',
    pattern: /^[【[(]?(?:作者|来源|编辑|责任编辑|责编|记者|摄影|通讯员|审核|校对|发布时间|发布日期|时间|日期|出处|稿源|浏览次数|点击)[:]?[】\])]?$/,
  },
  {
    name: 'app-prompt',
    description: 'app and QR prompts: "扫码看全网内容", "下载客户端", "关注公众号"',
    view: 'compact',
    pattern: /^(?:扫码|扫一扫|扫描二维码|长按(?:识别)?二维码|下载客户端|下载app|打开app|app内打开|关注我们|关注公众号|微信扫一扫|手机扫码|手机看)/,
    maxLength: 30,
  },
  {
    name: 'info-line',
    description: 'the article info line, two or more labelled fields: "来源：X | 时间：Y | 点击：1206"',
    view: 'form',
    pattern: INFO_LABEL_AT,
    minMatches: 2,
    maxLength: 160,
    noSentenceEnd: true,
  },
  {
    name: 'info-line-dated',
    description: 'an info line opening with the date: "2024-10-14 10:00 来源：新疆日报 【字体：大 中 小】"',
    view: 'form',
    pattern: new RegExp(`^\\d{4}[-/.年]\\d{1,2}[-/.月]\\d{1,2}日?(?: ?\\d{1,2}:\\d{2}(?::\\d{2})?)?\\s.*(?:${INFO_LABELS})\\s*:`),
    maxLength: 160,
    noSentenceEnd: true,
  },
  {
    name: 'block-heading',
    description: 'the heading of a link block: "相关阅读", "热点排行", "更多推荐", "友情链接" (the block\'s short lines go with it)',
    view: 'compact',
    pattern: new RegExp(`^[【[]?(?:${BLOCK_HEADINGS})[】\\]]?(?::|>+|»|更多|more)*$`),
    opensBlock: true,
  },
];

/** A block item: a link title (this long at most, compact) or a teaser ending in an ellipsis. */
export const BLOCK_ITEM_MAX_LENGTH = 40;
export const TEASER = /(?:\.{2,}|…+|。{3,})$/;
export const TEASER_MAX_LENGTH = 240;

/** A prose line: at least this long (compact) with clause or sentence punctuation. It marks where the article is. */
export const PROSE_MIN_LENGTH = 40;

/** Around the article, this many consecutive short lines are a menu (province lists, nav bars). */
export const MENU_RUN_MIN_LINES = 4;
export const MENU_ITEM_MAX_LENGTH = 8;

/** Above the navigation, short lines are the site header (site name, slogans). */
export const HEADER_LINE_MAX_LENGTH = 20;
