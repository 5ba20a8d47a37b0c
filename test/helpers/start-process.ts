/**
 * For the tests that run `tidings start` as a child process against a loopback news source:
 * the source's RSS, and waiting on the process.
 */
import type { ChildProcess } from 'node:child_process';

export interface FeedItem {
  guid: string;
  title: string;
  date: string;
}

const BODY = '自治区科技厅召开专题会议，研究部署下一阶段重点任务，要求各单位抓好落实，确保取得实效。'.repeat(6);

/** The Xinjiang science department's RSS at `base`, an article at `/a/<guid>.html` for each item. */
export function newsRss(base: string, items: FeedItem[]): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>新疆科技厅</title><link>${base}/</link>
${items
  .map(
    (i) => `<item><guid>${i.guid}</guid><title>${i.title}</title><link>${base}/a/${i.guid}.html</link><pubDate>${i.date}</pubDate>
<description><![CDATA[<p>${i.title}。${BODY}</p>]]></description></item>`,
  )
  .join('\n')}
</channel></rss>`;
}

/**
 * `until(check, what)`: resolves once `check()` holds (looked at every 100 ms); rejects, with
 * the end of the process's stderr, when the process has exited or `timeoutMs` has passed.
 */
export function waiterOn(proc: () => { child: ChildProcess | undefined; stderr: string }) {
  return async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      const { child, stderr } = proc();
      if (child && child.exitCode !== null) throw new Error(`tidings exited (${child.exitCode}) while waiting for ${what}\n--- stderr ---\n${stderr.slice(-4000)}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n--- stderr ---\n${stderr.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
}
