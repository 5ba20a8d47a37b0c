/**
 * Every word of the subscribe, confirm and unsubscribe pages and of the confirmation
 * emails, in Chinese and English. Entries are plain text: the templates (templates/web/,
 * templates/email/confirm.*) escape everything, so callers pass raw values (addresses,
 * queries, error messages) and never escape them.
 *
 * The language is the `?lang=` (or form field `lang`) when given, else the best of `zh` and
 * `en` in Accept-Language, else Chinese, the language of the news itself (`pageLang`).
 */

export type PageLang = 'zh' | 'en';

/**
 * The page language: an explicit `zh`/`en` choice wins; else the Accept-Language entry of
 * highest weight that is Chinese or English; a header naming only other languages gets
 * English, no header (or only `*`) Chinese.
 */
export function pageLang(explicit: string | null | undefined, acceptLanguage: string | undefined): PageLang {
  const chosen = explicit?.trim().toLowerCase();
  if (chosen === 'zh' || chosen === 'en') return chosen;
  if (!acceptLanguage || acceptLanguage.trim() === '') return 'zh';
  let best: { lang: PageLang; q: number } | undefined;
  let named = false;
  for (const part of acceptLanguage.split(',').slice(0, 20)) {
    const [tag = '', ...params] = part.trim().toLowerCase().split(';');
    if (tag !== '*' && tag !== '') named = true;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    const lang: PageLang | undefined = tag === 'zh' || tag.startsWith('zh-') ? 'zh' : tag === 'en' || tag.startsWith('en-') ? 'en' : undefined;
    if (lang && (!best || q > best.q)) best = { lang, q };
  }
  // `*` alone (what many HTTP clients send) is no preference.
  return best?.lang ?? (named ? 'en' : 'zh');
}

export interface PageStrings {
  /** The `lang` attribute of pages and HTML mail. */
  htmlLang: string;
  /** This language's own name, for the language switch of the other one. */
  langName: string;
  tagline: string;

  subscribeTitle: string;
  subscribeIntro: string;
  addressLabel: string;
  queryLabel: string;
  queryHint: string;
  digestLabel: string;
  digestHint(timeZone: string): string;
  subscribeButton: string;
  previewButton: string;
  syntaxTitle: string;
  syntax: readonly (readonly [example: string, meaning: string])[];
  promise: string;

  formProblems: string;
  addressMissing: string;
  addressInvalid: string;
  queryMissing: string;
  queryInvalid(position: number, message: string): string;
  digestInvalid: string;
  formStale: string;
  crossSite: string;

  previewTitle: string;
  previewCount(matched: number, recent: number): string;
  previewNone(recent: number): string;
  previewNoArticles: string;
  previewAs(described: string): string;

  sentTitle: string;
  sentBody(address: string, days: number): string;
  sentSpam: string;

  limitedTitle: string;
  limitedBody(minutes: number): string;

  confirmTitle: string;
  confirmQuestion(address: string): string;
  confirmButton: string;
  confirmedTitle: string;
  confirmedBody(address: string): string;
  confirmedDigest(at: string, timeZone: string): string;
  confirmedUnsubscribeNote: string;
  alreadyActiveTitle: string;
  alreadyActiveBody(address: string): string;
  chatConfirmQuestion(address: string, count: number): string;
  chatConfirmButton: string;
  chatConfirmedBody(address: string, count: number): string;
  chatNothing: string;
  chatLimit(copied: number, limit: number): string;

  unsubscribeTitle: string;
  unsubscribeQuestion(address: string): string;
  unsubscribeAllQuestion(address: string, count: number): string;
  unsubscribeButton: string;
  unsubscribeAllButton: string;
  unsubscribeAllOffer(count: number): string;
  unsubscribedTitle: string;
  unsubscribedBody(address: string): string;
  unsubscribedAllBody(address: string, count: number): string;
  alreadyUnsubscribedTitle: string;
  alreadyUnsubscribedBody: string;
  resubscribe: string;

  invalidLinkTitle: string;
  invalidLinkBody: string;
  expiredLinkTitle: string;
  expiredLinkBody: string;
  goneTitle: string;
  goneBody: string;
  badRequestTitle: string;
  tooLargeBody: string;
  unsupportedBody: string;
  methodNotAllowedBody: string;
  failedTitle: string;
  failedBody: string;
  backToForm: string;

  mail: {
    subscribeSubject: string;
    chatSubject: string;
    limitSubject: string;
    greeting: string;
    subscribeBody(address: string): string;
    subscribeDigest(at: string, timeZone: string): string;
    chatBody(address: string, count: number): string;
    confirmAction: string;
    confirmExpires(days: number): string;
    limitBody(address: string, limit: number): string;
    limitAction: string;
    notYou: string;
    signature: string;
  };
}

const zh: PageStrings = {
  htmlLang: 'zh-CN',
  langName: '中文',
  tagline: 'tidings · 各地科技新闻关键词提醒',

  subscribeTitle: '邮件订阅关键词提醒',
  subscribeIntro: '填写邮箱和查询。有新文章匹配时，我们会发邮件提醒你；同一新闻只提醒一次。',
  addressLabel: '邮箱地址',
  queryLabel: '查询',
  queryHint: '例如：科技援疆，或 "风力发电" OR 光伏 -招聘',
  digestLabel: '每日摘要时间（可选）',
  digestHint: (tz) => `留空则有新文章时立即提醒；填写时间则每天汇总发送一次（${tz}）。`,
  subscribeButton: '订阅',
  previewButton: '先预览',
  syntaxTitle: '查询语法',
  syntax: [
    ['科技援疆', '词：标题或正文包含'],
    ['"国家风力发电技术创新中心"', '短语'],
    ['A B', '同时包含 A 和 B'],
    ['A OR B', '包含任一'],
    ['-A', '排除 A'],
    ['( … )', '分组'],
    ['title:A', '仅在标题中'],
    ['source:ID · tag:标签', '指定来源或标签'],
  ],
  promise: '提交后我们只发一封确认邮件；在你点击确认之前不会发送任何提醒。每封提醒都带有一键退订链接。',

  formProblems: '请修改下面标出的内容。',
  addressMissing: '请填写邮箱地址。',
  addressInvalid: '这不像一个邮箱地址，例如 name@example.com（最多 254 个字符，只能一行）。',
  queryMissing: '请填写查询，例如：科技援疆',
  queryInvalid: (position, message) => `查询有误（第 ${position} 个字符）：${message}`,
  digestInvalid: '时间格式应为 时:分，例如 08:00。',
  formStale: '这个表单打开太久了，请检查后再提交一次。',
  crossSite: '此表单只能从本站提交，未做任何更改。',

  previewTitle: '预览',
  previewCount: (matched, recent) => `最近 ${recent} 篇文章中有 ${matched} 篇会匹配。`,
  previewNone: (recent) => `最近 ${recent} 篇文章中没有匹配的；新文章匹配时仍会提醒。`,
  previewNoArticles: '还没有保存的文章可供预览；新文章匹配时会提醒。',
  previewAs: (described) => `理解为：${described}`,

  sentTitle: '请查收确认邮件',
  sentBody: (address, days) => `我们已向 ${address} 发送了一封确认邮件。请在 ${days} 天内点击邮件中的链接，订阅随即生效。`,
  sentSpam: '几分钟内没有收到？请查看垃圾邮件文件夹。',

  limitedTitle: '请求太频繁',
  limitedBody: (minutes) => `为防止有人用本页向他人邮箱发送大量邮件，请求次数受到限制。请约 ${minutes} 分钟后再试。未发送任何邮件。`,

  confirmTitle: '确认订阅',
  confirmQuestion: (address) => `向 ${address} 发送以下查询的提醒？`,
  confirmButton: '确认订阅',
  confirmedTitle: '订阅成功',
  confirmedBody: (address) => `有新文章匹配以下查询时，会发邮件到 ${address}：`,
  confirmedDigest: (at, tz) => `提醒以每日摘要发送，时间 ${at}（${tz}）。`,
  confirmedUnsubscribeNote: '每封提醒底部都有退订链接，点击即可退订。',
  alreadyActiveTitle: '订阅已生效',
  alreadyActiveBody: (address) => `这个订阅已经确认过了，提醒会发到 ${address}：`,
  chatConfirmQuestion: (address, count) => `把 Telegram 聊天的 ${count} 个订阅同时发送到邮箱 ${address}？`,
  chatConfirmButton: '确认，用邮件接收',
  chatConfirmedBody: (address, count) => `${count} 个订阅的提醒今后也会发到 ${address}：`,
  chatNothing: '这个 Telegram 聊天目前没有订阅，没有添加任何内容。先在聊天中用 /sub 订阅，再发送 /email。',
  chatLimit: (copied, limit) => `此邮箱的订阅数已达上限（${limit} 个），只添加了 ${copied} 个。`,

  unsubscribeTitle: '退订',
  unsubscribeQuestion: (address) => `不再向 ${address} 发送以下查询的提醒？`,
  unsubscribeAllQuestion: (address, count) => `退订 ${address} 的全部 ${count} 个订阅？`,
  unsubscribeButton: '退订',
  unsubscribeAllButton: '全部退订',
  unsubscribeAllOffer: (count) => `也可以一次退订这个邮箱的全部 ${count} 个订阅：`,
  unsubscribedTitle: '已退订',
  unsubscribedBody: (address) => `不会再向 ${address} 发送以下查询的提醒：`,
  unsubscribedAllBody: (address, count) => `已退订 ${address} 的全部 ${count} 个订阅，不会再发送任何提醒。`,
  alreadyUnsubscribedTitle: '已经退订',
  alreadyUnsubscribedBody: '这个订阅已经不存在了（可能之前已退订），不会再收到它的提醒。',
  resubscribe: '重新订阅',

  invalidLinkTitle: '链接无效',
  invalidLinkBody: '这个链接无效，可能复制不完整。请直接点击邮件中的链接。未做任何更改。',
  expiredLinkTitle: '链接已过期',
  expiredLinkBody: '这个确认链接已过期，未做任何更改。请重新提交订阅，我们会发送新的确认邮件。',
  goneTitle: '订阅不存在',
  goneBody: '这个订阅已不存在（可能已退订或已过期被清理）。未做任何更改。',
  badRequestTitle: '无法处理这个请求',
  tooLargeBody: '提交的内容太长了。',
  unsupportedBody: '请通过本站的表单提交。',
  methodNotAllowedBody: '不支持这种请求方式。',
  failedTitle: '出错了',
  failedBody: '服务器暂时无法完成请求，请稍后再试。未发送任何邮件。',
  backToForm: '返回订阅页',

  mail: {
    subscribeSubject: '请确认你的 tidings 订阅',
    chatSubject: '请确认用邮件接收 tidings 提醒',
    limitSubject: '你的 tidings 订阅数已达上限',
    greeting: '你好：',
    subscribeBody: (address) => `有人（希望是你）请求在有新文章匹配以下查询时，向 ${address} 发送提醒：`,
    subscribeDigest: (at, tz) => `提醒以每日摘要发送，时间 ${at}（${tz}）。`,
    chatBody: (address, count) => `有人（希望是你）在 Telegram 中请求把聊天的提醒（目前 ${count} 个订阅）同时发送到 ${address}。`,
    confirmAction: '确认订阅',
    confirmExpires: (days) => `链接 ${days} 天内有效。`,
    limitBody: (address, limit) => `有人（希望是你）请求为 ${address} 添加以下订阅，但这个邮箱已有 ${limit} 个订阅，达到上限，因此没有添加：`,
    limitAction: '退订全部，重新开始',
    notYou: '如果不是你本人的请求，请忽略这封邮件：不确认就不会发送任何提醒，我们也不会再来信。',
    signature: 'tidings',
  },
};

const en: PageStrings = {
  htmlLang: 'en',
  langName: 'English',
  tagline: 'tidings · keyword alerts for Chinese regional science news',

  subscribeTitle: 'Email alerts for a query',
  subscribeIntro: 'Give an address and a query. When a new article matches, we email you — once per story, however many sites carry it.',
  addressLabel: 'Email address',
  queryLabel: 'Query',
  queryHint: 'For example 科技援疆, or "风力发电" OR 光伏 -招聘',
  digestLabel: 'Daily digest time (optional)',
  digestHint: (tz) => `Leave empty for an alert as soon as an article matches; give a time for one digest a day (${tz}).`,
  subscribeButton: 'Subscribe',
  previewButton: 'Preview first',
  syntaxTitle: 'Query syntax',
  syntax: [
    ['科技援疆', 'a term, in the title or the text'],
    ['"国家风力发电技术创新中心"', 'a phrase'],
    ['A B', 'both A and B'],
    ['A OR B', 'either'],
    ['-A', 'not A'],
    ['( … )', 'grouping'],
    ['title:A', 'in the title only'],
    ['source:ID · tag:TAG', 'one source or tag'],
  ],
  promise: 'We send one confirmation email and nothing else until you confirm. Every alert has a one-click unsubscribe link.',

  formProblems: 'Please correct the marked fields.',
  addressMissing: 'Please give an email address.',
  addressInvalid: 'That does not look like an email address such as name@example.com (one line, at most 254 characters).',
  queryMissing: 'Please give a query, for example 科技援疆.',
  queryInvalid: (position, message) => `The query does not work (character ${position}): ${message}`,
  digestInvalid: 'Give the time as HH:MM, for example 08:00.',
  formStale: 'This form was open for a long time; please check it and send it again.',
  crossSite: 'This form can only be sent from this site. Nothing was changed.',

  previewTitle: 'Preview',
  previewCount: (matched, recent) => `It would have matched ${matched} of the last ${recent} articles.`,
  previewNone: (recent) => `None of the last ${recent} articles matches; you will still get an alert when a new one does.`,
  previewNoArticles: 'There are no stored articles to preview against yet; you will get an alert when a new one matches.',
  previewAs: (described) => `Read as: ${described}`,

  sentTitle: 'Check your inbox',
  sentBody: (address, days) => `We have sent a confirmation email to ${address}. Open the link in it within ${days} days and the alerts begin.`,
  sentSpam: 'Nothing after a few minutes? Look in the spam folder.',

  limitedTitle: 'Too many requests',
  limitedBody: (minutes) => `So that nobody can use this page to flood someone else's inbox, requests are limited. Please try again in about ${minutes} minutes. No email was sent.`,

  confirmTitle: 'Confirm your subscription',
  confirmQuestion: (address) => `Send alerts for this query to ${address}?`,
  confirmButton: 'Confirm subscription',
  confirmedTitle: 'You are subscribed',
  confirmedBody: (address) => `When a new article matches this query, we will email ${address}:`,
  confirmedDigest: (at, tz) => `Alerts come as a daily digest at ${at} (${tz}).`,
  confirmedUnsubscribeNote: 'Every alert ends with an unsubscribe link; one click stops it.',
  alreadyActiveTitle: 'Already subscribed',
  alreadyActiveBody: (address) => `This subscription was confirmed before; alerts go to ${address}:`,
  chatConfirmQuestion: (address, count) => `Send the alerts of your Telegram chat (${count} subscription${count === 1 ? '' : 's'}) to ${address} as well?`,
  chatConfirmButton: 'Confirm, alert me by email',
  chatConfirmedBody: (address, count) => `Alerts of ${count} subscription${count === 1 ? '' : 's'} now also go to ${address}:`,
  chatNothing: 'The Telegram chat has no subscriptions at the moment, so nothing was added. Subscribe with /sub in the chat first, then send /email again.',
  chatLimit: (copied, limit) => `This address has reached its limit of ${limit} subscriptions; only ${copied} were added.`,

  unsubscribeTitle: 'Unsubscribe',
  unsubscribeQuestion: (address) => `Stop sending alerts for this query to ${address}?`,
  unsubscribeAllQuestion: (address, count) => `Stop all ${count} subscription${count === 1 ? '' : 's'} of ${address}?`,
  unsubscribeButton: 'Unsubscribe',
  unsubscribeAllButton: 'Unsubscribe from everything',
  unsubscribeAllOffer: (count) => `Or stop all ${count} subscriptions of this address at once:`,
  unsubscribedTitle: 'Unsubscribed',
  unsubscribedBody: (address) => `No more alerts for this query will go to ${address}:`,
  unsubscribedAllBody: (address, count) => `All ${count} subscription${count === 1 ? '' : 's'} of ${address} are gone; no more alerts will be sent.`,
  alreadyUnsubscribedTitle: 'Already unsubscribed',
  alreadyUnsubscribedBody: 'This subscription no longer exists (it may have been unsubscribed before); you will get no more alerts for it.',
  resubscribe: 'Subscribe again',

  invalidLinkTitle: 'This link does not work',
  invalidLinkBody: 'The link is not valid; perhaps it was copied only in part. Please click the link in the email itself. Nothing was changed.',
  expiredLinkTitle: 'This link has expired',
  expiredLinkBody: 'The confirmation link has expired and nothing was changed. Subscribe again and we will send a new one.',
  goneTitle: 'No such subscription',
  goneBody: 'This subscription no longer exists (it was unsubscribed, or expired unconfirmed). Nothing was changed.',
  badRequestTitle: 'This request cannot be handled',
  tooLargeBody: 'What was sent is too long.',
  unsupportedBody: 'Please use the form on this site.',
  methodNotAllowedBody: 'This kind of request is not supported here.',
  failedTitle: 'Something went wrong',
  failedBody: 'The server could not finish the request; please try again in a minute. No email was sent.',
  backToForm: 'Back to the subscribe page',

  mail: {
    subscribeSubject: 'Confirm your tidings subscription',
    chatSubject: 'Confirm tidings alerts by email',
    limitSubject: 'Your tidings subscriptions are at their limit',
    greeting: 'Hello,',
    subscribeBody: (address) => `Someone — we hope you — asked for alerts to ${address} when new articles match this query:`,
    subscribeDigest: (at, tz) => `Alerts would come as a daily digest at ${at} (${tz}).`,
    chatBody: (address, count) => `Someone — we hope you — asked in Telegram for the alerts of their chat (${count} subscription${count === 1 ? '' : 's'} now) to go to ${address} as well.`,
    confirmAction: 'Confirm subscription',
    confirmExpires: (days) => `The link works for ${days} days.`,
    limitBody: (address, limit) => `Someone — we hope you — asked to add this subscription for ${address}, but the address already has ${limit} subscriptions, the most it may have, so it was not added:`,
    limitAction: 'Unsubscribe from everything and start again',
    notYou: 'If it was not you, ignore this email: without confirmation no alert is sent, and we will not write again.',
    signature: 'tidings',
  },
};

const tables: Record<PageLang, PageStrings> = { zh, en };

export function pageStrings(lang: PageLang): PageStrings {
  return tables[lang];
}
