/**
 * Email in one real `tidings start` process, against a loopback news source and a real SMTP
 * server: an admin adds an email subscription with `tidings subs add --email`; a matching
 * article appears → exactly one email with List-Unsubscribe / One-Click headers; the
 * one-click POST unsubscribes; the subscribe page answers over the same HTTP server.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type RunningServer } from '../helpers/corpus.js';
import { newsRss, waiterOn, type FeedItem } from '../helpers/start-process.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { startSmtpCatcher, type SmtpCatcher } from '../helpers/smtp-catcher.js';

describe('tidings start with email (real SMTP server)', () => {
  let smtp: SmtpCatcher;
  let site: RunningServer;
  let dir: string;
  let polls = 0;
  let child: ChildProcess | undefined;
  let stderr = '';
  const items: FeedItem[] = [{ guid: 'old-1', title: '四方合作机制推进会举行', date: new Date(Date.now() - 86_400_000).toUTCString() }];
  const env = (): Record<string, string> => ({
    HTTP_PORT: '0',
    ALLOW_PRIVATE_NETWORKS: 'true',
    SCHEDULER_TICK: '* * * * * *',
    POLL_JITTER: '0',
    SMTP_URL: smtp.url,
    MAIL_FROM: 'tidings <alerts@tidings.example>',
    TIDINGS_SECRET: 'e2e-secret-0123456789abcdef',
  });

  beforeAll(async () => {
    smtp = await startSmtpCatcher();
    site = await listen((req, res) => {
      if (req.url === '/feed.xml') {
        polls++;
        res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(newsRss(site.origin, items));
      } else res.writeHead(404).end();
    });
    dir = mkdtempSync(path.join(os.tmpdir(), 'tidings-e2e-mail-'));
    mkdirSync(path.join(dir, 'feeds'));
    writeFileSync(
      path.join(dir, 'feeds', 'sources.yaml'),
      `sources:\n  - id: xjkjt\n    name: 新疆科技厅\n    url: ${site.origin}/feed.xml\n    interval: 5s\n    fulltext: never\n`,
    );
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.on('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await site.close();
    await smtp.close();
  });

  const until = waiterOn(() => ({ child, stderr }));


  it('alerts by email once and unsubscribes with one click', async () => {
    const added = await runCli(['subs', 'add', '--email', 'reader@example.org', '--query', '四方合作'], { cwd: dir, env: env() });
    expect(added.code, added.stderr).toBe(0);

    child = spawnCli(['start'], { cwd: dir, env: env() });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    await until(() => /tidings started/.test(stderr), 'the start');
    const base = /"http":"([^"]+)"/.exec(stderr)![1]!;
    await until(() => polls >= 2, 'two polls');

    // The subscribe page is served by the same server.
    const page = await fetch(`${base}/subscribe`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<form[^>]+method="post"/i);

    items.unshift({ guid: 'new-1', title: '第七次四方合作会议在乌鲁木齐召开', date: new Date().toUTCString() });
    await smtp.waitFor(1, 30_000);
    const target = polls + 2;
    await until(() => polls >= target, 'two more polls');
    await new Promise((r) => setTimeout(r, 1500));
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail.rcptTo).toEqual(['reader@example.org']);
    expect(mail.subject).toContain('四方合作');
    expect(mail.html).toContain(`${site.origin}/a/new-1.html`);
    // mailparser gathers the List-* headers into one `list` object.
    const list = mail.headers.get('list') as { unsubscribe?: { url?: string }; 'unsubscribe-post'?: { name?: string } };
    expect(list['unsubscribe-post']?.name).toBe('List-Unsubscribe=One-Click');
    const url = list.unsubscribe!.url!;
    // PUBLIC_URL defaults to http://HTTP_HOST:HTTP_PORT, here port 0: the path is what counts.
    expect(new URL(url).pathname).toBe("/unsubscribe");

    // RFC 8058 one-click: a POST with List-Unsubscribe=One-Click.
    const local = new URL(url);
    const res = await fetch(`${base}${local.pathname}${local.search}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBe(200);
    const after = await runCli(['subs', 'list', '--json'], { cwd: dir, env: env() });
    expect(JSON.parse(after.stdout)).toEqual([]);
  }, 120_000);
});
