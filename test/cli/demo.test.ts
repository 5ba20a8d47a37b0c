/**
 * `tidings demo` as a newcomer runs it: a child process with no settings at all, a local GBK
 * news site, alerts saved as .eml files and printed on the console, the merged feed served
 * while it runs, and a clean exit after --duration.
 */
import { afterAll, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { spawnCli } from '../helpers/cli.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'tidings-demo-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it('runs the whole path offline: site, poll, merged feed, email and console Telegram alerts, clean stop', async () => {
  const dir = path.join(tmp, 'demo');
  const child = spawnCli(['demo', '--dir', dir, '--port', '0', '--every', '1s', '--duration', '25s'], { cwd: tmp });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const killer = setTimeout(() => child.kill('SIGKILL'), 45_000);

  const until = async (what: string, ok: () => boolean, ms = 20_000) => {
    const end = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > end || child.exitCode !== null) throw new Error(`demo: no ${what}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  // The merged feed, fetched while the demo runs, carries the site's (GBK) articles intact.
  await until('feed URL', () => /merged feed\s+(http\S+\/feeds\/all\.atom)/.test(stdout));
  const feedUrl = /merged feed\s+(http\S+\/feeds\/all\.atom)/.exec(stdout)![1]!;
  await until('published article', () => stdout.includes('published 《'));
  const firstTitle = /published 《([^》]+)》/.exec(stdout)![1]!;
  let atom = '';
  for (let i = 0; i < 40 && !atom.includes(firstTitle); i++) {
    const res = await fetch(feedUrl);
    expect(res.status).toBe(200);
    atom = await res.text();
    if (!atom.includes(firstTitle)) await new Promise((r) => setTimeout(r, 500));
  }
  expect(atom).toContain('<feed');
  expect(atom).toContain(firstTitle);
  expect(atom).toContain('示范市科学技术局');
  expect(atom).not.toContain('\uFFFD');

  const code = await exited;
  clearTimeout(killer);
  expect(code, `stderr:\n${stderr}`).toBe(0);
  expect(stdout).toContain('/feeds/all.atom');
  expect(stdout).toContain('tidings demo stopped');

  // Email alerts for 科技援疆, saved by the in-process SMTP server.
  const mailDir = path.join(dir, 'mail');
  expect(existsSync(mailDir)).toBe(true);
  const files = readdirSync(mailDir).filter((f) => f.endsWith('.eml'));
  expect(files.length).toBeGreaterThan(0);
  const mails = await Promise.all(files.map(async (f) => simpleParser(readFileSync(path.join(mailDir, f)))));
  const alert = mails.find((m) => m.subject?.includes('科技援疆'));
  expect(alert, mails.map((m) => m.subject).join('\n')).toBeDefined();
  const unsubscribe = alert!.headerLines.find((h) => h.key === 'list-unsubscribe');
  expect(unsubscribe?.line.replace(/\s+/g, '')).toMatch(/<http:\/\/127\.0\.0\.1:\d+\/unsubscribe\?t=[^>]+>/);
  expect(alert!.to && !Array.isArray(alert!.to) ? alert!.to.text : '').toContain('reader@demo.local');
  expect(stdout).toContain(path.join(mailDir, files[0]!).slice(0, -files[0]!.length));

  // Telegram alerts on the console (no token): the header line, then the plain rendering.
  const consoleAlerts = stdout.split(/\n(?=\S)/).filter((block) => block.includes('Telegram alert to chat'));
  expect(consoleAlerts.length).toBeGreaterThan(0);
  expect(consoleAlerts.some((b) => /人工智能|大模型/.test(b))).toBe(true);
  expect(consoleAlerts.join('\n')).not.toMatch(/<\/?b>|&amp;|&lt;/);
}, 50_000);
