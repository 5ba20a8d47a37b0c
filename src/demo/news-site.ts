/**
 * The demo's local news site, on loopback: a city science and technology bureau
 * (示范市科学技术局) with a 工作动态 list page and article pages in GBK, as such sites still
 * are, with their usual debris (menu, 来源/时间 line, 字号 大中小, 打印本页, ICP footer), and an
 * RSS feed of the same articles; plus a news centre (示范市融媒体中心) whose RSS feed
 * republishes one of the bureau's stories, so one alert says "also reported by".
 *
 * `publish()` adds the next story (the demo calls it every few seconds). Text comes from a
 * seed; dates are the real time of publishing (Asia/Shanghai).
 */
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import iconv from 'iconv-lite';
import { BACKLOG, REPUBLISHED_BACKLOG_INDEX, StoryGenerator, type DemoStory } from './stories.js';

export const BUREAU_NAME = '示范市科学技术局';
export const NEWS_CENTRE_NAME = '示范市融媒体中心';
/** Paths of the polled pages. */
export const LIST_PATH = '/kjj/gzdt/index.html';
export const BUREAU_RSS_PATH = '/kjj/gzdt/rss.xml';
export const NEWS_CENTRE_RSS_PATH = '/rmt/rss.xml';

const ZONE = 'Asia/Shanghai';
/** The news centre republishes the backlog story with the 2nd published story. */
const REPUBLISH_AT = 2;

export interface NewsSiteOptions {
  seed?: number;
  now?: () => Date;
}

export interface NewsSite {
  /** `http://127.0.0.1:PORT` */
  url: string;
  listUrl: string;
  bureauRssUrl: string;
  newsCentreRssUrl: string;
  /** Publish the next story; returns it (and the republished copy when one appears now). */
  publish(): { story: DemoStory; url: string; republished?: { title: string; url: string } };
  stories(): readonly DemoStory[];
  close(): Promise<void>;
}

interface Copy {
  story: DemoStory;
  published: Date;
}

/** `2025-06-01 10:32:05` in Beijing time. */
function beijing(d: Date): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(d);
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' }[c]!};`);
}

export function articlePath(story: DemoStory): string {
  const day = beijing(story.published).slice(0, 10).replaceAll('-', '');
  return `/kjj/gzdt/${day.slice(0, 6)}/t${day}_${String(4_660_000 + story.n)}.html`;
}

const MENU = `<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/kjj/jgzn/">机构职能</a></li><li><a href="/kjj/gzdt/index.html">工作动态</a></li><li><a href="/kjj/tzgg/">通知公告</a></li><li><a href="/kjj/zcfg/">政策法规</a></li><li><a href="/kjj/zwfw/">政务服务</a></li><li><a href="/kjj/hdjl/">互动交流</a></li></ul></div>`;
const FOOTER = `<div class="footer"><p><a href="/kjj/wzdt/">网站地图</a> | <a href="/kjj/lxwm/">联系我们</a> | <a href="/kjj/sybz/">使用帮助</a></p><p>主办单位：${BUREAU_NAME}\u3000地址：示范市人民路88号\u3000邮编：100000\u3000电话：0000-12345678</p><p>网站标识码：0000000001\u3000<a href="https://beian.miit.gov.cn/">示ICP备05012345号-1</a>\u3000<img src="/kjj/images/gongan.png" alt="">示公网安备 00000002000001号</p></div>`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>${esc(title)}</title>
<link rel="stylesheet" href="/kjj/css/style.css"><script src="/kjj/js/jquery.min.js"></script></head>
<body><div class="top"><span>欢迎访问${BUREAU_NAME}网站</span> <a href="/kjj/wza/">无障碍浏览</a> <a href="/kjj/yhzx/">用户中心</a></div>
<div class="banner"><h1>${BUREAU_NAME}</h1><form action="/search"><input name="q" placeholder="请输入关键词"><button>搜索</button></form></div>
${MENU}
${body}
${FOOTER}</body></html>`;
}

function listPage(stories: readonly DemoStory[]): string {
  const items = [...stories]
    .reverse()
    .map((s) => `<li><a href="${articlePath(s)}" target="_blank" title="${esc(s.title)}">${esc(s.title)}</a><span class="date">${beijing(s.published).slice(0, 10)}</span></li>`)
    .join('\n');
  return page(
    `工作动态_${BUREAU_NAME}`,
    `<div class="main"><div class="side"><h3>政务公开</h3><ul><li><a href="/kjj/gzdt/index.html">工作动态</a></li><li><a href="/kjj/tzgg/">通知公告</a></li><li><a href="/kjj/ghjh/">规划计划</a></li></ul></div>
<div class="content"><div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/kjj/zwgk/">政务公开</a> &gt; 工作动态</div>
<div class="list"><ul>
${items}
</ul></div>
<div class="page">共${stories.length}条 首页 上一页 <span>1</span> 下一页 尾页</div></div></div>`,
  );
}

function articlePage(s: DemoStory): string {
  const body = s.paragraphs.map((p) => `<p style="text-indent:2em">${esc(p)}</p>`).join('\n');
  return page(
    `${s.title}_${BUREAU_NAME}`,
    `<div class="main"><div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/kjj/zwgk/">政务公开</a> &gt; <a href="/kjj/gzdt/index.html">工作动态</a></div>
<div class="article"><h2 class="title">${esc(s.title)}</h2>
<div class="info">来源：${esc(s.origin)}\u3000时间：${beijing(s.published).slice(0, 16)}\u3000浏览次数：<span id="hits">${100 + s.n * 7}</span>\u3000字号：[<a href="javascript:doZoom(16)">大</a> <a href="javascript:doZoom(14)">中</a> <a href="javascript:doZoom(12)">小</a>]</div>
<div class="TRS_Editor">
${body}
</div>
<div class="tools"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a></div></div></div>`,
  );
}

function rss(title: string, link: string, items: { title: string; link: string; published: Date; paragraphs: string[]; origin?: string }[]): string {
  const entries = [...items]
    .reverse()
    .map(
      (i) =>
        `<item><title>${esc(i.title)}</title><link>${esc(i.link)}</link><guid isPermaLink="true">${esc(i.link)}</guid><pubDate>${i.published.toUTCString()}</pubDate>${i.origin ? `<author>${esc(i.origin)}</author>` : ''}<description>${esc(i.paragraphs.map((p) => `<p>${esc(p)}</p>`).join(''))}</description></item>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>${esc(title)}</title><link>${esc(link)}</link><description>${esc(title)}</description><language>zh-cn</language>
${entries}
</channel></rss>`;
}

function newsCentreArticle(c: Copy): string {
  const body = c.story.paragraphs.map((p) => `<p>${esc(p)}</p>`).join('\n');
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${esc(c.story.title)} - ${NEWS_CENTRE_NAME}</title></head>
<body><header><a href="/rmt/">${NEWS_CENTRE_NAME}</a></header><article><h1>${esc(c.story.title)}</h1>
<p class="meta">来源：${BUREAU_NAME}\u3000发布时间：${beijing(c.published).slice(0, 16)}</p>
${body}
<p>责任编辑：王示范</p></article><footer>${NEWS_CENTRE_NAME} 版权所有</footer></body></html>`;
}

export async function startNewsSite(opts: NewsSiteOptions = {}): Promise<NewsSite> {
  const now = opts.now ?? (() => new Date());
  const gen = new StoryGenerator(opts.seed ?? 20_240_901);
  const stories: DemoStory[] = [];
  const copies: Copy[] = [];
  // The backlog: already there when the demo starts, an hour apart.
  const start = now().getTime();
  for (let i = 0; i < BACKLOG.length; i++) stories.push(gen.next(new Date(start - (BACKLOG.length - i) * 3_600_000)));
  // The news centre's own earlier item (an empty feed would read as a broken source).
  copies.push({
    story: {
      n: 0,
      title: '示范市第十届科技活动周开幕',
      paragraphs: ['本报讯 第十届科技活动周在市科技馆开幕，百余项科技成果集中亮相。', '活动周期间，全市将举办各类科普活动两百余场。'],
      origin: NEWS_CENTRE_NAME,
      published: new Date(start - 5 * 3_600_000),
    },
    published: new Date(start - 5 * 3_600_000),
  });
  let published = 0;

  const server: Server = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-cache' });
    res.end(body);
  }
  const gbk = (html: string) => iconv.encode(html, 'gbk');

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', url).pathname;
    if (path === '/' || path === '/kjj/' || path === '/kjj/gzdt/') {
      res.writeHead(302, { location: LIST_PATH });
      res.end();
      return;
    }
    if (path === LIST_PATH) return send(res, 200, 'text/html; charset=gbk', gbk(listPage(stories)));
    if (path === BUREAU_RSS_PATH) {
      return send(res, 200, 'application/rss+xml; charset=utf-8', rss(`${BUREAU_NAME} 工作动态`, `${url}${LIST_PATH}`, stories.map((s) => ({ ...s, link: `${url}${articlePath(s)}` }))));
    }
    if (path === NEWS_CENTRE_RSS_PATH) {
      return send(
        res,
        200,
        'application/rss+xml; charset=utf-8',
        rss(NEWS_CENTRE_NAME, `${url}/rmt/`, copies.map((c, i) => ({ title: c.story.title, link: `${url}/rmt/content/${i + 1}.html`, published: c.published, paragraphs: c.story.paragraphs }))),
      );
    }
    const copy = /^\/rmt\/content\/(\d+)\.html$/.exec(path);
    if (copy && copies[Number(copy[1]) - 1]) return send(res, 200, 'text/html; charset=utf-8', newsCentreArticle(copies[Number(copy[1]) - 1]!));
    const story = stories.find((s) => articlePath(s) === path);
    if (story) return send(res, 200, 'text/html; charset=gbk', gbk(articlePage(story)));
    send(res, 404, 'text/html; charset=gbk', gbk(page('页面不存在', '<div class="main"><p>对不起，您访问的页面不存在或已被删除。</p></div>')));
  }

  return {
    url,
    listUrl: `${url}${LIST_PATH}`,
    bureauRssUrl: `${url}${BUREAU_RSS_PATH}`,
    newsCentreRssUrl: `${url}${NEWS_CENTRE_RSS_PATH}`,
    publish() {
      const story = gen.next(now());
      stories.push(story);
      published++;
      let republished: { title: string; url: string } | undefined;
      if (published === REPUBLISH_AT) {
        const original = stories[REPUBLISHED_BACKLOG_INDEX]!;
        copies.push({ story: original, published: now() });
        republished = { title: original.title, url: `${url}/rmt/content/${copies.length}.html` };
      }
      return { story, url: `${url}${articlePath(story)}`, republished };
    },
    stories: () => stories,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
