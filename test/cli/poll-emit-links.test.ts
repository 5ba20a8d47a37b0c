/**
 * `poll --once --emit jsonl` prints articles as the store has them when the poll is over: a
 * copy that arrived first is linked to the earlier-published original another source
 * brought later, and its printed `duplicateOf` says so.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type RunningServer } from '../helpers/corpus.js';
import { runCli } from '../helpers/cli.js';

const STORY =
  '第七次全国科技援疆工作会议在乌鲁木齐召开。会议总结了近年来科技援疆工作取得的成效，部署了下一阶段重点任务。' +
  '会议强调，要深化四方合作机制，推动创新平台共建共享，加强科技人才交流，支持兵团和南疆地区提升科技创新能力。' +
  '与会代表围绕科技成果转化、产业链协同和基层科技服务等议题进行了交流，并就共建联合实验室达成了多项合作意向。';

function rss(base: string, guid: string, title: string, date: string, body: string): string {
  return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title><link>${base}/</link>
<item><guid>${guid}</guid><title>${title}</title><link>${base}/a/${guid}.html</link><pubDate>${date}</pubDate>
<description><![CDATA[<p>${body}</p>]]></description></item></channel></rss>`;
}

describe('poll --emit jsonl after relinking', () => {
  let original: RunningServer;
  let copy: RunningServer;
  let dir: string;

  beforeAll(async () => {
    // The original (published a day earlier) answers slowly; the copy answers at once.
    original = await listen((_req, res) => {
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss(original.origin, 'orig', '第七次全国科技援疆工作会议召开', new Date(Date.now() - 2 * 86_400_000).toUTCString(), STORY)), 1500);
    });
    copy = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss(copy.origin, 'copy', '全国科技援疆工作会议召开', new Date(Date.now() - 86_400_000).toUTCString(), `（记者 王明）${STORY}`));
    });
    dir = mkdtempSync(path.join(os.tmpdir(), 'tidings-emit-'));
    writeFileSync(
      path.join(dir, 'sources.yaml'),
      `sources:\n  - id: orig\n    url: ${original.origin}/feed.xml\n    fulltext: never\n  - id: copy\n    url: ${copy.origin}/feed.xml\n    fulltext: never\n`,
    );
  });
  afterAll(async () => {
    await original.close();
    await copy.close();
  });

  it('prints the copy linked to the original that was stored after it', async () => {
    const r = await runCli(['poll', '--once', '--emit', 'jsonl', '--dry-run', '--sources', 'sources.yaml'], {
      cwd: dir,
      env: { ALLOW_PRIVATE_NETWORKS: 'true', STORE_URL: `sqlite://${path.join(dir, 's.sqlite')}` },
    });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { url: string; duplicateOf: string | null });
    expect(lines).toHaveLength(2);
    const byUrl = new Map(lines.map((l) => [l.url, l]));
    expect(byUrl.get(`${original.origin}/a/orig.html`)?.duplicateOf).toBeNull();
    expect(byUrl.get(`${copy.origin}/a/copy.html`)?.duplicateOf).toBe(`${original.origin}/a/orig.html`);
  }, 60_000);
});
