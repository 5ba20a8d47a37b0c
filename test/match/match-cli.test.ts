/**
 * `tidings match QUERY [--file ARTICLES.jsonl]` as a user runs it: the real CLI in a child
 * process, articles from a file or stdin, exit codes and messages.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cliEntry, cliEnv, runCli, type CliResult } from '../helpers/cli.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tsxLoader = pathToFileURL(path.join(root, 'node_modules/tsx/dist/loader.mjs')).href;

/** runCli, but with `input` written to the child's stdin. */
function runCliWithStdin(args: string[], input: string, cwd: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsxLoader, cliEntry, ...args], { cwd, env: cliEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tidings ${args.join(' ')} did not finish in time\nstderr: ${stderr}`));
    }, 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

const article = (url: string, fields: Record<string, unknown>) =>
  JSON.stringify({
    id: url,
    sourceId: 'mrxw',
    url,
    title: '',
    published: '2024-10-13T18:44:04+08:00',
    author: null,
    origin: '央视新闻客户端',
    text: '',
    summary: '',
    html: '',
    lang: 'zh',
    script: 'hans',
    tags: [],
    originalTitle: null,
    duplicateOf: null,
    flags: [],
    ...fields,
  });

const lines = [
  article('https://a.example/1.html', { title: '第七次全国科技援疆暨“四方合作”推进会议在乌鲁木齐召开', text: '要加快建设国家风力发电技术创新中心。\nAI 技术', tags: ['科技援疆'] }),
  article('https://b.example/2.html', { sourceId: 'kjxx', title: '自治區科技廳調研科技工作', text: '調研科技創新和「兩區」建設工作。he said so', script: 'hant' }),
  article('https://c.example/3.html', { sourceId: 'qysti', title: '庆阳市科技局召开务虚会', text: '加快科技成果转化，选派科技特派员。', attachments: [{ title: '附件：名单', url: 'https://c.example/a.xls' }] }),
];

describe('tidings match', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'tidings-match-'));
  const file = path.join(tmp, 'articles.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const match = (args: string[], env?: Record<string, string>) => runCli(['match', ...args], { cwd: tmp, env });

  it('prints the url of each matching article, in input order, and exits 0', async () => {
    const r = await match(['科技', '--file', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('https://a.example/1.html\nhttps://b.example/2.html\nhttps://c.example/3.html\n');
  });

  it.each([
    ['兩區', ['https://b.example/2.html']],
    ['AI', ['https://a.example/1.html']],
    ['科技 -source:kjxx', ['https://a.example/1.html', 'https://c.example/3.html']],
    ['tag:科技援疆 OR 名单', ['https://a.example/1.html', 'https://c.example/3.html']],
    ['"国家 风力发电"', ['https://a.example/1.html']],
    ['央视新闻客户端', []],
  ])('%s', async (query, urls) => {
    const r = await match([query, '--file', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(urls);
  });

  it('joins several QUERY arguments, so an unquoted "-term" is a negation, not an option', async () => {
    const r = await match(['--file', file, '科技', '-乌鲁木齐', '-兩區']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('https://c.example/3.html\n');
  });

  it('exits 0 with no output when nothing matches', async () => {
    const r = await match(['深圳', '--file', file]);
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('reads stdin without --file, or with --file -', async () => {
    const a = await runCliWithStdin(['match', '科技特派员'], `${lines.join('\n')}\n`, tmp);
    expect(a).toMatchObject({ code: 0, stdout: 'https://c.example/3.html\n', stderr: '' });
    const b = await runCliWithStdin(['match', 'said', '--file', '-'], lines.join('\r\n'), tmp);
    expect(b).toMatchObject({ code: 0, stdout: 'https://b.example/2.html\n' });
  });

  it('refuses an invalid query with exit 2, saying what and where, and pointing at it', async () => {
    const r = await match(['科技 (援疆 OR 二十大', '--file', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('tidings: match: invalid query: unclosed "(" at 4\n  科技 (援疆 OR 二十大\n       ^\n');
    const only = await match(['-庆阳', '--file', file]);
    expect(only.code).toBe(2);
    expect(only.stderr).toMatch(/invalid query: only excluded terms at 1: a query needs at least one term that must match/);
  });

  it('applies the QUERY_MAX_LENGTH setting', async () => {
    const long = '科技援疆'.repeat(5);
    expect((await match([long, '--file', file])).code).toBe(0);
    const r = await match([long, '--file', file], { QUERY_MAX_LENGTH: '12' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid query: query too long: 20 characters, at most 12 \(the excess starts at 13\)/);
  });

  it('reports each bad line with file and line number, skips it, matches the rest, and exits 2', async () => {
    const mixed = path.join(tmp, 'mixed.jsonl');
    writeFileSync(mixed, ['\uFEFF' + lines[0], '{"url": "https://x.example/", "title": ', '', '[1, 2]', lines[2], '{"url":"u","title":"科技","text":"","sourceId":"s","tags":"科技"}', '{"title":"科技","text":"","sourceId":"s"}'].join('\n'));
    const r = await match(['科技', '--file', mixed]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('https://a.example/1.html\nhttps://c.example/3.html\n');
    const err = r.stderr.split('\n').filter(Boolean);
    expect(err).toEqual([
      expect.stringMatching(new RegExp(`^tidings: match: ${escape(mixed)}:2: not JSON \\(.+\\); line skipped$`)),
      `tidings: match: ${mixed}:4: not an article (expected a JSON object); line skipped`,
      `tidings: match: ${mixed}:6: "tags" is not a list of strings; line skipped`,
      `tidings: match: ${mixed}:7: "url" is missing; line skipped`,
      `tidings: match: ${mixed}: 4 of 7 lines skipped, not articles`,
    ]);
  });

  it('exits 2 naming a file it cannot read', async () => {
    const missing = path.join(tmp, 'nope.jsonl');
    const r = await match(['科技', '--file', missing]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tidings: match: cannot read ${missing}: ENOENT: no such file or directory, open '${missing}'\n`);
    const dir = await match(['科技', '--file', tmp]);
    expect(dir.code).toBe(2);
    expect(dir.stderr).toMatch(new RegExp(`^tidings: match: cannot read ${escape(tmp)}: EISDIR`));
  });

  it('exits 2 for bad usage', async () => {
    const none = await match([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^tidings: match: expected a QUERY/);
    const unknown = await match(['科技', '--files', file]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^tidings: match: unknown option "--files"/);
    const dangling = await match(['科技', '--file']);
    expect(dangling.code).toBe(2);
    expect(dangling.stderr).toMatch(/^tidings: match: --file needs a path/);
  });

  it('is listed in the help', async () => {
    const r = await runCli(['--help'], { cwd: tmp });
    expect(r.stdout).toMatch(/tidings match QUERY \[--file ARTICLES\.jsonl\]/);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
