/**
 * `tidings subs export` and `tidings subs import`, through the `tidings` command itself (a
 * child process) on a temporary SQLite store: the file on stdout, imported into another
 * subscriber with the same settings, a second import adding nothing, plain-text backups,
 * a bad file refused whole (exit 2, `FILE:LINE: field: …`), the cap (exit 1), bad usage.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseSubscriptionsFile } from '../../src/subscriptions/transfer.js';
import { runCli } from '../helpers/cli.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'tidings-subs-transfer-'));
const env = { STORE_URL: `sqlite://${path.join(tmp, 'tidings.sqlite')}`, PUBLIC_URL: 'https://news.example.org', LOG_LEVEL: 'warn', SUBS_PER_SUBSCRIBER: '4' };
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const tidings = (...args: string[]) => runCli(args, { cwd: tmp, env });

/** Write `text` to a file in the temporary folder; returns its path. */
function file(name: string, text: string | Uint8Array): string {
  const p = path.join(tmp, name);
  writeFileSync(p, text);
  return p;
}

interface Listed {
  id: string;
  query: string;
  name?: string;
  hashtags?: string[];
  mode: string;
  digestAt?: string;
  timeZone?: string;
  script: string;
  paused: boolean;
  pausedReason?: string;
}

async function listJson(...filter: string[]): Promise<Listed[]> {
  const r = await tidings('subs', 'list', '--json', ...filter);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Listed[];
}

const essence = (s: Listed) => ({ query: s.query, name: s.name, hashtags: s.hashtags, mode: s.mode, digestAt: s.digestAt, timeZone: s.timeZone, script: s.script, paused: s.paused });

// Each case starts the command (seconds on a busy machine); independent ones run side by side.
describe('tidings subs export / import', { timeout: 180_000 }, () => {
  it('export prints the file; import into another subscriber gives the same subscriptions; again adds nothing', async () => {
    const added = await tidings('subs', 'add', '--telegram', '-1001234567890', '--query', '芯片 OR 半导体', '--name', '芯片产业', '--tags', '芯片 半导体', '--digest', 'daily@08:00', '--tz', 'Asia/Shanghai', '--script', 'hans');
    expect(added.code).toBe(0);
    // A paused one comes in through a file (the CLI has no pause).
    const seed = file('seed.yaml', 'tidings: subscriptions/1\nsubscriptions:\n  - query: \'"风力发电" OR 光伏 -招聘\'\n    paused: true\n');
    const seeded = await tidings('subs', 'import', seed, '--telegram', '-1001234567890');
    expect(seeded.stderr).toBe('');
    expect(seeded.code).toBe(0);
    expect(seeded.stdout).toMatch(new RegExp(`^imported into tg:-1001234567890 from ${seed.replace(/[.\\]/g, '\\$&')}: 1 added, 0 already there, 0 failed\nadded: \\w+ \\(line 3\\) "风力发电" OR 光伏 -招聘\n$`));

    const exported = await tidings('subs', 'export', '--telegram', '-1001234567890');
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/^# tidings keyword subscriptions \(2\), exported \d{4}-\d\d-\d\d \d\d:\d\d UTC\.\n/);
    expect(exported.stdout).toContain(
      [
        'tidings: subscriptions/1',
        'subscriptions:',
        '  - query: 芯片 OR 半导体',
        '    name: 芯片产业',
        '    tags: [芯片, 半导体]',
        '    digest: daily@08:00',
        '    timeZone: Asia/Shanghai',
        '    script: hans',
        `  - query: '"风力发电" OR 光伏 -招聘'`,
        '    paused: true',
        '',
      ].join('\n'),
    );
    expect(parseSubscriptionsFile(exported.stdout, 'stdout')).toHaveLength(2);

    const backup = file('backup.yaml', exported.stdout);
    const imported = await tidings('subs', 'import', backup, '--email', 'Li@Example.cn');
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    const lines = imported.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`imported into mail:li@example.cn from ${backup}: 2 added, 0 already there, 0 failed`);
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^added: \w+ \(line 10\) 芯片 OR 半导体 \(芯片产业\)$/), expect.stringMatching(/^added: \w+ \(line 16\) "风力发电" OR 光伏 -招聘$/)]);

    const [from, to] = await Promise.all([listJson('--telegram', '-1001234567890'), listJson('--email', 'li@example.cn')]);
    expect(to.map(essence)).toEqual(from.map(essence));
    expect(to[1]).toMatchObject({ paused: true, pausedReason: 'user' });

    const again = await tidings('subs', 'import', backup, '--email', 'li@example.cn');
    expect(again.code).toBe(0);
    expect(again.stdout.split('\n')[0]).toBe(`imported into mail:li@example.cn from ${backup}: 0 added, 2 already there, 0 failed`);
    expect(again.stdout).toMatch(/^already there: \w+ \(line 10\) 芯片 OR 半导体 \(芯片产业\)$/m);
    expect(await listJson('--email', 'li@example.cn')).toEqual(to);
  });

  it('a bad file exits 2 with FILE:LINE: field: what was expected, and imports nothing', async () => {
    const bad = file(
      'bad.yaml',
      ['tidings: subscriptions/1', 'subscriptions:', '  - query: 科技援疆', '  - query: 科技 (援疆', '  - query: 风电', '    colour: red', '  - query: 光伏', '    script: latin'].join('\n'),
    );
    const future = file('future.yaml', 'tidings: subscriptions/2\nsubscriptions: []\n');
    const broken = file('broken.yaml', 'tidings: subscriptions/1\nsubscriptions:\n  - query: "科技\n');
    const gbk = file('gbk.txt', new Uint8Array([0xbf, 0xc6, 0xbc, 0xbc]));
    const text = file('backup.txt', '/sub 科技援疆\n-庆阳\n');
    const importInto555 = (f: string) => tidings('subs', 'import', f, '--telegram', '555');
    const [r1, r2, r3, r4, r5] = await Promise.all([importInto555(bad), importInto555(future), importInto555(broken), importInto555(gbk), importInto555(text)]);
    expect(r1.code).toBe(2);
    expect(r1.stdout).toBe('');
    expect(r1.stderr).toBe(
      [
        `tidings: subs import: nothing imported: 3 problems in ${bad}:`,
        `${bad}:4: subscriptions[1].query: unclosed "(" at 4 in "科技 (援疆"; positions count characters from 1`,
        `${bad}:6: subscriptions[2].colour: unknown key "colour" (allowed: query, name, tags, digest, timeZone, script, paused)`,
        `${bad}:8: subscriptions[3].script: expected one of "original", "hans", "hant"; got "latin"`,
        '',
      ].join('\n'),
    );
    expect(r2.code).toBe(2);
    expect(r2.stderr).toBe(`tidings: subs import: nothing imported: 1 problem in ${future}:\n${future}:1: tidings: expected subscriptions/1, the version this tidings reads; got "subscriptions/2"\n`);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(new RegExp(`^tidings: subs import: nothing imported: 1 problem in .*broken\\.yaml:\n.*broken\\.yaml:4:1: YAML syntax: Missing closing "quote\n$`));
    expect(r4.code).toBe(2);
    expect(r4.stderr).toBe(`tidings: subs import: nothing imported: 1 problem in ${gbk}:\n${gbk}: not UTF-8 text: expected a tidings subscriptions file (YAML) or one query a line\n`);
    expect(r5.code).toBe(2);
    expect(r5.stderr).toBe(
      `tidings: subs import: nothing imported: 1 problem in ${text}:\n${text}:2: query: only excluded terms at 1: a query needs at least one term that must match in "-庆阳"; positions count characters from 1\n`,
    );
    expect(await listJson('--telegram', '555')).toEqual([]);
  });

  it('imports a plain-text backup and stops at the cap: the rest reported by line, exit 1', async () => {
    const existing = await tidings('subs', 'add', '--telegram', '777', '--query', 'a1');
    expect(existing.code).toBe(0);
    const backup = file('unsuball.txt', '/sub b1\na1\nb2\nb3\nb4\n\nb5\n');
    const r = await tidings('subs', 'import', backup, '--telegram', '777');
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`imported into tg:777 from ${backup}: 3 added, 1 already there, 2 failed`);
    expect(lines.slice(1).map((l) => l.replace(/^(added|already there): \w+ /, '$1: ID '))).toEqual([
      'added: ID (line 1) b1',
      'added: ID (line 3) b2',
      'added: ID (line 4) b3',
      'already there: ID (line 2) a1',
      'failed: (line 5) b4: at most 4 subscriptions per chat or address (4/4)',
      'failed: (line 7) b5: at most 4 subscriptions per chat or address (4/4)',
    ]);
    expect(r.stderr).toBe(`tidings: 2 of 6 subscriptions in ${backup} not imported (SUBS_PER_SUBSCRIBER: remove some with subs remove, then import ${backup} again; what is there is kept)\n`);
    expect((await listJson('--telegram', '777')).map((s) => s.query)).toEqual(['a1', 'b1', 'b2', 'b3']);
  });

  it('exports an empty list for a subscriber without subscriptions, and refuses bad usage with exit 2', async () => {
    const some = file('some.txt', '科技援疆\n');
    const [empty, noWho, noFile, missing, extra, both, name] = await Promise.all([
      tidings('subs', 'export', '--email', 'nobody@example.cn'),
      tidings('subs', 'import', some),
      tidings('subs', 'import', '--telegram', '42'),
      tidings('subs', 'import', path.join(tmp, 'missing.yaml'), '--telegram', '42'),
      tidings('subs', 'export', 'out.yaml', '--telegram', '42'),
      tidings('subs', 'export', '--telegram', '42', '--email', 'a@example.cn'),
      tidings('subs', 'import', some, '--telegram', '42', '--name', 'x'),
    ]);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toMatch(/\ntidings: subscriptions\/1\nsubscriptions: \[\]\n$/);
    expect(empty.stderr).toBe('tidings: note: mail:nobody@example.cn has no subscriptions; the file lists none\n');
    expect([noWho, noFile, missing, extra, both, name].map((r) => [r.code, r.stdout, r.stderr])).toEqual([
      [2, '', 'tidings: subs import: expected --telegram CHAT_ID or --email ADDRESS\n'],
      [2, '', 'tidings: subs import: expected one FILE (from subs export or /export, or one query a line); got 0\n'],
      [2, '', `tidings: subs import: cannot read ${path.join(tmp, 'missing.yaml')}: no such file\n`],
      [2, '', 'tidings: subs export: unexpected argument "out.yaml"; the file is printed on stdout (subs export … > FILE)\n'],
      [2, '', 'tidings: --telegram and --email: expected one of them, not both\n'],
      [2, '', 'tidings: subs import: --name is only for subs add and subs edit\n'],
    ]);
    const help = await tidings('--help');
    expect(help.stdout).toContain('  tidings subs export (--telegram CHAT_ID | --email ADDRESS)\n');
    expect(help.stdout).toContain('  tidings subs import FILE (--telegram CHAT_ID | --email ADDRESS)\n');
  });
});
