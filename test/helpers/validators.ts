/**
 * Runners for the outside validators the tests use: jing with the RFC 4287 RELAX NG schema,
 * Debian's python3-feedparser, and xmllint.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sharedDir } from './corpus.js';
import { hasCommand } from './services.js';

export const atomSchema = path.join(sharedDir, 'tools', 'atom.rnc');

/** jing exits 2 on `-h`; probe it with a real validation instead. */
export function hasJing(): boolean {
  const probe = path.join(mkdtempSync(path.join(os.tmpdir(), 'tidings-jing-')), 'probe.atom');
  writeFileSync(
    probe,
    '<feed xmlns="http://www.w3.org/2005/Atom"><id>tag:x,2024:p</id><title>p</title><updated>2024-01-01T00:00:00Z</updated></feed>',
  );
  return hasCommand('jing', ['-c', atomSchema, probe]);
}

/** The first python that imports feedparser (pyenv shims may shadow the system one). */
export const feedparserPython: string | undefined = ['python3', '/usr/bin/python3'].find((py) =>
  hasCommand(py, ['-c', 'import feedparser']),
);

export function jing(file: string): { status: number | null; output: string } {
  const r = spawnSync('jing', ['-c', atomSchema, file], { encoding: 'utf8', timeout: 60_000 });
  // jing's wrapper script prints classpath warnings on stderr; errors go to stdout.
  return { status: r.status, output: r.stdout };
}

export function xmllint(file: string): { status: number | null; output: string } {
  const r = spawnSync('xmllint', ['--noout', file], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, output: r.stderr };
}

export interface ParsedByFeedparser {
  bozo: boolean;
  bozoException: string | null;
  version: string;
  feedTitle: string;
  feedUpdated: string | null;
  titles: string[];
  links: string[];
  ids: string[];
  tags: string[][];
  authors: (string | null)[];
  sources: (string | null)[];
}

const FEEDPARSER_SCRIPT = `
import feedparser, sys, json, html
d = feedparser.parse(sys.argv[1])
# Atom/RSS titles are HTML here: unescape them back to the plain text they stand for.
print(json.dumps({
  "bozo": bool(d.bozo),
  "bozoException": str(d.get("bozo_exception")) if d.bozo else None,
  "version": d.version,
  "feedTitle": html.unescape(d.feed.get("title", "")),
  "feedUpdated": d.feed.get("updated"),
  "titles": [html.unescape(e.get("title", "")) for e in d.entries],
  "links": [e.get("link") for e in d.entries],
  "ids": [e.get("id") for e in d.entries],
  "tags": [[t.term for t in e.get("tags", [])] for e in d.entries],
  "authors": [e.get("author") for e in d.entries],
  "sources": [e.get("source", {}).get("title") for e in d.entries],
}, ensure_ascii=False))
`;

export function feedparse(file: string): ParsedByFeedparser {
  if (!feedparserPython) throw new Error('feedparser is not available');
  const r = spawnSync(feedparserPython, ['-c', FEEDPARSER_SCRIPT, file], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`feedparser failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as ParsedByFeedparser;
}
