/**
 * Shared pieces of the hostile-input tests: an app on a memory store (closed after each test),
 * sources, feeds and list pages, a watcher of every client socket the process opens, and a
 * sampler of peak memory.
 */
import dc from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import type { ServerResponse } from 'node:http';
import { afterEach } from 'vitest';
import { loadSettings } from '../../src/config/settings.js';
import { createApp, type App } from '../../src/app.js';
import { silentLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import type { Source } from '../../src/domain/source.js';

const apps: App[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

/** An app from these settings (memory store, no YAML sources), closed after the test. */
export async function makeApp(env: Record<string, string> = {}): Promise<App> {
  const app = await createApp(loadSettings({ STORE_URL: 'memory', ...env }), {
    logger: silentLogger(),
    metrics: createMetrics({ defaultMetrics: false }),
    loadYaml: () => [],
  });
  apps.push(app);
  await app.registry.load();
  return app;
}

export const source = (id: string, url: string, extra: Partial<Source> = {}): Source => ({
  id,
  name: id,
  url,
  interval: { kind: 'every', ms: 60_000 },
  fulltext: 'never',
  tags: ['hostile'],
  origin: 'test',
  ...extra,
});

const daysAgo = (d: number): Date => new Date(Date.now() - d * 86_400_000);

/** An RSS feed of `n` items with full text (no page fetches), links on `origin`. */
export function rss(n: number, origin = 'http://news.example.gov.cn'): string {
  const items = Array.from({ length: n }, (_, i) => {
    const title = `第${i + 1}条：自治区科技厅召开第${i + 1}次工作会议`;
    return `<item><guid isPermaLink="false">item-${i + 1}</guid><title>${title}</title><link>${origin}/a/${i + 1}.html</link>
<pubDate>${daysAgo(i + 1).toUTCString()}</pubDate><description><![CDATA[<p>${title}。${'会议部署了下一阶段科技创新重点任务，要求各单位抓好落实。'.repeat(6)}</p>]]></description></item>`;
  });
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>科技厅 工作动态</title><link>${origin}/</link><description>d</description>
${items.join('\n')}
</channel></rss>`;
}

/** A column page listing `n` dated articles (`/xwdt/<i>.html`), or the redesigned page with none. */
export function listPage(n: number): string {
  const items = Array.from({ length: n }, (_, i) => {
    const d = daysAgo(i + 1).toISOString().slice(0, 10);
    return `<li><a href="./${i + 1}.html">市科技局第${i + 1}次工作会议召开，部署重点任务</a><span>${d}</span></li>`;
  });
  const body = n > 0 ? `<div class="list"><ul>${items.join('\n')}</ul></div>` : '<div class="banner"><p>网站改版升级中，敬请期待新版栏目。</p></div>';
  return `<!doctype html><html><head><meta charset="utf-8"><title>工作动态_某市科学技术局</title></head><body>
<div class="nav"><a href="/">首页</a><a href="/xwdt/">工作动态</a><a href="/tzgg/">通知公告</a></div>
${body}
<div class="footer">主办单位：某市科学技术局</div></body></html>`;
}

/** The article page `/xwdt/<i>.html` of `listPage`. */
export function articlePage(i: number): string {
  const title = `市科技局第${i}次工作会议召开，部署重点任务`;
  const d = daysAgo(i).toISOString().slice(0, 10);
  const paragraphs = ['近日，市科技局召开工作会议，总结前一阶段工作，安排部署下一步重点任务。', '会议指出，要围绕产业链部署创新链，加快培育高新技术企业，推动科技成果转化。', '会议要求，各县区科技部门要压实责任，狠抓落实，确保全年目标任务圆满完成。'];
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}_某市科学技术局</title>
<meta name="ArticleTitle" content="${title}"><meta name="PubDate" content="${d} 09:30"></head>
<body><h1>${title}</h1><div class="info">发布时间：${d} 09:30 来源：某市科学技术局</div>
<div class="TRS_Editor">${paragraphs.map((p) => `<p>${p}</p>`).join('')}</div></body></html>`;
}

/** Every client socket the process opens while `fn` runs, with the address each connected to. */
export async function watchSockets<T>(fn: () => Promise<T>): Promise<{ value: T; sockets: { remote?: string }[] }> {
  const sockets: { remote?: string }[] = [];
  const onSocket = (message: unknown): void => {
    const socket = (message as { socket: Socket }).socket;
    const entry: { remote?: string } = {};
    sockets.push(entry);
    socket.once('connect', () => {
      entry.remote = socket.remoteAddress;
    });
  };
  dc.subscribe('net.client.socket', onSocket);
  try {
    const value = await fn();
    return { value, sockets };
  } finally {
    dc.unsubscribe('net.client.socket', onSocket);
  }
}

/** Peak growth of RSS (and of heap + array buffers) while `fn` runs, sampled every 5 ms. */
export async function peakMemoryGrowth<T>(fn: () => Promise<T>): Promise<{ value: T; rss: number; heap: number }> {
  const base = process.memoryUsage();
  const baseHeap = base.heapUsed + base.arrayBuffers;
  let rss = 0;
  let heap = 0;
  const sample = (): void => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss - base.rss);
    heap = Math.max(heap, m.heapUsed + m.arrayBuffers - baseHeap);
  };
  const timer = setInterval(sample, 5);
  try {
    const value = await fn();
    sample();
    return { value, rss, heap };
  } finally {
    clearInterval(timer);
  }
}

/**
 * Write `chunk` until the client hangs up or `limit` bytes are written (Infinity: forever),
 * honouring back-pressure; `sent.bytes` counts what was handed to the socket.
 */
export function pump(res: ServerResponse, sent: { bytes: number }, limit = Infinity, chunk = Buffer.alloc(64 * 1024, 0x61)): void {
  const step = (): void => {
    while (!res.destroyed && sent.bytes < limit) {
      sent.bytes += chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', step);
        return;
      }
    }
    if (!res.destroyed) res.end();
  };
  res.on('error', () => undefined);
  step();
}

export const MiB = 1024 * 1024;
