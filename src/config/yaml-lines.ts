/**
 * Where a problem sits in a YAML file, for messages like `file:line: path: what was expected`:
 * the line of a key or value by its path (the nearest enclosing node with a position when the
 * path has none), the path written `sources[2].list.item`, and a zod issue said plainly with
 * the value found. Used by source files (config/sources.ts) and subscription files
 * (subscriptions/transfer.ts).
 */
import { isNode, type Document, type LineCounter } from 'yaml';
import type { z } from 'zod';

/** 1-based line of the value at `keyPath` (of its key when `wantKey`), or of the nearest node above it that has one. */
export function lineOf(doc: Document, lc: LineCounter, keyPath: (string | number)[], wantKey: boolean): number | undefined {
  // Walk up the path until a node with a position is found.
  for (let n = keyPath.length; n >= 0; n--) {
    const sub = keyPath.slice(0, n);
    if (wantKey && n === keyPath.length && n > 0) {
      const parent = sub.length > 1 ? doc.getIn(sub.slice(0, -1), true) : doc.contents;
      const pair = findPair(parent, sub[sub.length - 1]!);
      if (pair !== undefined) return lc.linePos(pair).line;
      continue;
    }
    const node = sub.length === 0 ? doc.contents : doc.getIn(sub, true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return undefined;
}

function findPair(parent: unknown, key: string | number): number | undefined {
  const items = (parent as { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] })?.items;
  if (!Array.isArray(items)) return undefined;
  for (const item of items) {
    if (item.key && item.key.value === key && item.key.range) return item.key.range[0];
  }
  return undefined;
}

/** `sources[2].list.item`. */
export function formatPath(p: (string | number)[]): string {
  return p.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

/** A zod issue as a plain sentence with the value found (`expected string; got 3`). */
export function describeIssue(issue: z.core.$ZodIssue, data: unknown, keyPath: (string | number)[]): string {
  const got = valueAt(data, keyPath);
  const shown = got === undefined ? 'nothing' : JSON.stringify(got)?.slice(0, 80);
  if (issue.code === 'invalid_type') return `expected ${issue.expected}; got ${shown}`;
  if (issue.code === 'invalid_value') return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}; got ${shown}`;
  const showGot = got !== undefined && typeof got !== 'object' && !/\bgot\b/.test(issue.message);
  return `${issue.message}${showGot ? `; got ${shown}` : ''}`;
}

/** The value at `keyPath` in parsed data, or undefined. */
export function valueAt(data: unknown, keyPath: (string | number)[]): unknown {
  let cur: unknown = data;
  for (const k of keyPath) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}
