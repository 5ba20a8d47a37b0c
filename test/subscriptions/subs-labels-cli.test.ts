/**
 * `tidings subs add --name --tags`, `tidings subs edit ID` and names and tags in `subs list`,
 * through the `tidings` command itself (a child process) on a temporary SQLite store: what add
 * and edit print, setting and clearing, the table and --json, and exit 2 naming the option
 * for bad input and for an unknown id.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'tidings-subs-labels-'));
const env = { STORE_URL: `sqlite://${path.join(tmp, 'tidings.sqlite')}`, PUBLIC_URL: 'https://news.example.org', LOG_LEVEL: 'warn' };
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const tidings = (...args: string[]) => runCli(args, { cwd: tmp, env });

interface Listed {
  id: string;
  query: string;
  name?: string;
  hashtags?: string[];
  feedUrl: string;
}

async function listJson(...filter: string[]): Promise<Listed[]> {
  const r = await tidings('subs', 'list', '--json', ...filter);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Listed[];
}

// Each case starts the command (seconds on a busy machine); the refused ones run side by side.
describe('tidings subs: names and hashtags', { timeout: 120_000 }, () => {
  let id = '';

  it('add --name --tags prints the name and the tags, and list shows them (table columns and --json)', async () => {
    const added = await tidings('subs', 'add', '--email', 'wang@example.cn', '--query', '科技援疆 -庆阳', '--name', '新疆\n合作', '--tags', '#新疆, 科技援疆、芯片 2024');
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const lines = added.stdout.split('\n');
    const m = /^added: (\w+) for mail:wang@example\.cn$/.exec(lines[0]!);
    expect(m).not.toBeNull();
    id = m![1]!;
    // The name made one line; the tags split at , 、 and spaces, the # dropped, digits alone get a _.
    expect(lines.slice(1, 4)).toEqual(['name: 新疆 合作', 'tags: #新疆 #科技援疆 #芯片 #_2024', 'query: 科技援疆 AND NOT 庆阳']);
    expect(added.stdout).toMatch(/^feed: https:\/\/news\.example\.org\/feeds\/sub\/[A-Za-z0-9_-]{20,}\.atom$/m);

    const [other, json] = await Promise.all([tidings('subs', 'add', '--telegram', '-1001234567890', '--query', '风电'), listJson('--email', 'wang@example.cn')]);
    expect(other.code).toBe(0);
    expect(other.stdout).not.toMatch(/^(name|tags):/m); // without them, add prints what it always did
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({ id, query: '科技援疆 -庆阳', name: '新疆 合作', hashtags: ['新疆', '科技援疆', '芯片', '_2024'] });

    const table = await tidings('subs', 'list');
    expect(table.code).toBe(0);
    const rows = table.stdout.split('\n');
    expect(rows[0]).toMatch(/^id\s+subscriber\s+mode\s+state\s+name\s+tags\s+query$/);
    expect(table.stdout).toMatch(new RegExp(`^${id}\\s+mail:wang@example\\.cn\\s+instant\\s+active\\s+新疆 合作\\s+#新疆 #科技援疆 #芯片 #_2024\\s+科技援疆 -庆阳$`, 'm'));
    expect(table.stdout).toMatch(/^\w+\s+tg:-1001234567890\s+instant\s+active\s+风电$/m);
  });

  it('edit ID --name sets the name and keeps the tags, printing the subscription as add does', async () => {
    const r = await tidings('subs', 'edit', id, '--name', '援疆动态');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 6)).toEqual([
      `edited: ${id} for mail:wang@example.cn`,
      'name: 援疆动态',
      'tags: #新疆 #科技援疆 #芯片 #_2024',
      'query: 科技援疆 AND NOT 庆阳',
      'alerts: instant, script original',
      expect.stringMatching(/^feed: https:\/\/news\.example\.org\/feeds\/sub\/[A-Za-z0-9_-]{20,}\.atom$/),
    ]);
    expect((await listJson('--email', 'wang@example.cn'))[0]).toMatchObject({ name: '援疆动态', hashtags: ['新疆', '科技援疆', '芯片', '_2024'] });
  });

  it('edit ID --tags replaces the tags; a value starting with - is a value, not an option', async () => {
    const r = await tidings('subs', 'edit', id, '--tags', '-半导体 芯片', '--name', '-负面清单');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('name: -负面清单\ntags: #半导体 #芯片\n');
  });

  it('an empty --name or --tags clears it: add and list then show the subscription as before', async () => {
    const r = await tidings('subs', 'edit', id, '--name', '', '--tags=');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^edited: ${id} for mail:wang@example\\.cn\\nquery: 科技援疆 AND NOT 庆阳\\n`));
    expect(r.stdout).not.toMatch(/^(name|tags):/m);
    const [json, table] = await Promise.all([listJson('--email', 'wang@example.cn'), tidings('subs', 'list')]);
    expect(json[0]).not.toHaveProperty('name');
    expect(json[0]).not.toHaveProperty('hashtags');
    // No subscription with a name or tags: the table has no such columns.
    expect(table.stdout.split('\n')[0]).toMatch(/^id\s+subscriber\s+mode\s+state\s+query$/);
  });

  it('add for a query the subscriber has keeps the existing name and tags, and says how to change them', async () => {
    const r = await tidings('subs', 'add', '--email', 'wang@example.cn', '--query', '科技援疆 -庆阳', '--name', '别的名字');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`already subscribed: ${id} for mail:wang@example.cn`);
    expect(r.stdout).not.toContain('别的名字');
    expect(r.stderr).toContain(`tidings subs edit ${id} --name NAME --tags TAGS`);
    expect((await listJson('--email', 'wang@example.cn'))[0]).not.toHaveProperty('name');
  });

  it('exits 2 naming the option for a name or tags that cannot be, an unknown id, or a missing option', async () => {
    const long = '很长的名字'.repeat(13); // 65 characters
    const tags = Array.from({ length: 60 }, (_, i) => `标签${i}`).join(' ');
    const cases: [string[], RegExp][] = [
      [['subs', 'add', '--email', 'li@example.cn', '--query', '风电', '--name', long], /^tidings: --name "很长的名字.*": expected at most 64 characters, got 65$/m],
      [['subs', 'add', '--email', 'li@example.cn', '--query', '风电', '--tags', tags], /^tidings: --tags: expected at most 255 characters written as #a #b, got \d+$/m],
      [['subs', 'edit', id, '--name', long], /^tidings: --name "很长的名字.*": expected at most 64 characters, got 65$/m],
      [['subs', 'edit', id, '--tags', tags], /^tidings: --tags: expected at most 255 characters/m],
      [['subs', 'edit', 'NoSuchId', '--name', 'x'], /^tidings: subs edit: no subscription with id "NoSuchId" \(see subs list\)$/m],
      [['subs', 'edit', id], /^tidings: subs edit: expected --name NAME and\/or --tags TAGS/m],
      [['subs', 'edit', '--name', 'x'], /^tidings: subs edit: expected one subscription id/m],
      [['subs', 'edit', id, '--query', '风电'], /^tidings: subs edit: --query is only for subs add$/m],
      [['subs', 'list', '--tags', 'a'], /^tidings: subs list: --tags is only for subs add and subs edit$/m],
    ];
    const results = await Promise.all(cases.map(([args]) => tidings(...args)));
    results.forEach((r, i) => {
      const [args, message] = cases[i]!;
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    });
    // Nothing was written by the refused commands.
    const all = await listJson();
    expect(all.map((s) => s.query).sort()).toEqual(['科技援疆 -庆阳', '风电']);
    expect(all.every((s) => s.name === undefined && s.hashtags === undefined)).toBe(true);
  });
});
