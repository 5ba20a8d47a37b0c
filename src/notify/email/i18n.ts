/**
 * The words of alert and digest emails, in Chinese (the default: an email subscriber's
 * language is not known) and English. Values are plain text; the templates escape them.
 */
export type EmailLang = 'zh' | 'en';

export interface EmailStrings {
  /** The html `lang` attribute. */
  htmlLang: string;
  colon: string;
  sep: string;
  alsoReportedBy: string;
  matchedQuery: string;
  readArticle: string;
  via: string;
  /** The link that ends one subscription, named by its label (its name, else its query). */
  unsubscribeOne: (label: string) => string;
  unsubscribeAll: string;
  whyReceived: string;
  digestTitle: (date: string) => string;
  digestIntro: (articles: number, queries: number) => string;
  digestSubject: (date: string, articles: number) => string;
  contents: string;
  articlesCount: (n: number) => string;
}

const zh: EmailStrings = {
  htmlLang: 'zh-CN',
  colon: '：',
  sep: '、',
  alsoReportedBy: '其他来源',
  matchedQuery: '订阅',
  readArticle: '阅读原文',
  via: '来自',
  unsubscribeOne: (q) => `退订「${q}」`,
  unsubscribeAll: '退订全部',
  whyReceived: '您收到这封邮件，是因为订阅了 tidings 的关键词提醒。',
  digestTitle: (date) => `每日摘要 ${date}`,
  digestIntro: (articles, queries) => `${queries} 个订阅共 ${articles} 篇新文章，按订阅分组，最新的在前。`,
  digestSubject: (date, n) => `每日摘要 ${date}：${n} 篇`,
  contents: '目录',
  articlesCount: (n) => `${n} 篇`,
};

const en: EmailStrings = {
  htmlLang: 'en',
  colon: ': ',
  sep: ', ',
  alsoReportedBy: 'Also reported by',
  matchedQuery: 'Subscription',
  readArticle: 'Read the article',
  via: 'via',
  unsubscribeOne: (q) => `Unsubscribe from “${q}”`,
  unsubscribeAll: 'Unsubscribe from everything',
  whyReceived: 'You receive this email because you subscribed to keyword alerts from tidings.',
  digestTitle: (date) => `Daily digest ${date}`,
  digestIntro: (articles, queries) => `${articles} new article${articles === 1 ? '' : 's'} for ${queries} subscription${queries === 1 ? '' : 's'}, grouped by subscription, newest first.`,
  digestSubject: (date, n) => `Daily digest ${date}: ${n} article${n === 1 ? '' : 's'}`,
  contents: 'Contents',
  articlesCount: (n) => `${n} article${n === 1 ? '' : 's'}`,
};

export function emailStrings(lang: EmailLang): EmailStrings {
  return lang === 'en' ? en : zh;
}
